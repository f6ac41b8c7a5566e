// y = x with its axes permuted (y's axis i is x's axis perm[i]), for rank <= 8, tiled so
// that both the reads and the writes stay within cache lines, on the thread pool.
#ifndef GAN_TRANSPOSE_H
#define GAN_TRANSPOSE_H

#define TRANSPOSE_MAX_RANK 8

void transpose(const float *x, float *y, int rank, const long *shape, const int *perm);

#endif
