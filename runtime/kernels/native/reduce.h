// Sums over the middle axis of x viewed as [P, R, Q]: out[p, q] = scale * sum_r x[p, r, q],
// accumulated in double, on the thread pool.
#ifndef GAN_REDUCE_H
#define GAN_REDUCE_H

int reduce_sum(const float *x, float *out, long P, long R, long Q, double scale);

#endif
