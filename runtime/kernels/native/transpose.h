// y = x with its axes permuted (y's axis i is x's axis perm[i]), for rank <= 8, tiled so
// that both the reads and the writes stay within cache lines, on the thread pool.
#ifndef GAN_TRANSPOSE_H
#define GAN_TRANSPOSE_H

#define TRANSPOSE_MAX_RANK 8

void transpose(const float *x, float *y, int rank, const long *shape, const int *perm);

// rows x len values: dst[r * dst_stride + i] = src[r * src_stride + i] (a concatenation's
// part, or a slice along an axis, in one call).
void copy_rows(const float *src, long src_stride, float *dst, long dst_stride, long rows, long len);

#endif
