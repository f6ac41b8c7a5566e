// Element-wise kernels over whole arrays, split across the thread pool.
#ifndef GAN_ELTWISE_H
#define GAN_ELTWISE_H

// out = x > 0 ? x : alpha * x
void leaky_relu(const float *x, float *out, long n, float alpha);
// out = x > 0 ? dy : alpha * dy (PyTorch's and TF's gradient: the slope at 0 is alpha)
void leaky_relu_grad(const float *dy, const float *x, float *out, long n, float alpha);

// A dropout mask: out[i] = scale where the i-th uniform number of `seed`'s stream is
// >= p, else 0. The stream is a counter hash (splitmix64 of seed and i): the same mask for
// the same seed on any number of threads.
void dropout_mask(float *out, long n, double p, float scale, unsigned long long seed);

// How many of x[0 .. n) are NaN or ±Inf.
long count_nonfinite(const float *x, long n);

// One Adam step in torch.optim.Adam's order of float32 operations (constants already
// rounded to float32 by the caller):
//   m' = m·b1 + g·(1-b1);  v' = v·b2 + (g·g)·(1-b2);  p' = p - (m' / (sqrt(v') / bc2 + eps))·step
typedef struct {
  float b1, one_minus_b1, b2, one_minus_b2, bc2_sqrt, eps, step_size;
} adam_t;
void adam_step(const adam_t *h, const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out,
               float *v_out, long n);

#endif
