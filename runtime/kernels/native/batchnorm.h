// Training-mode BatchNorm over x viewed as [R, C] (channels last), as PyTorch computes it:
// batch mean and biased variance (accumulated in double), y = (x - mean) * invstd * w + b
// with invstd = 1 / sqrt(var + eps), and the full gradient (through the statistics):
//   dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)),  dw = sum(dy * xhat),  db = sum(dy).
#ifndef GAN_BATCHNORM_H
#define GAN_BATCHNORM_H

int bn_stats(const float *x, long R, long C, float *mean, float *var);
void bn_forward(const float *x, long R, long C, const float *mean, const float *var, const float *w, const float *b,
                float eps, float *y);
int bn_backward(const float *dy, const float *x, long R, long C, const float *mean, const float *var, const float *w,
                float eps, float *dx, float *dw, float *db);

#endif
