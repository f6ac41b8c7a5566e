// 2-D convolution and its two gradients on NHWC images and filters in either layout:
// TensorFlow's [KH, KW, C, O] or PyTorch's [O, C, KH, KW] (read and written as they are, no
// transposed copy per call), as GEMMs over the im2col matrix, which is never stored: the
// GEMM's packing reads the image directly.
#ifndef GAN_CONV_H
#define GAN_CONV_H

typedef struct {
  long N, H, W, C;   // input
  long OH, OW, O;    // output
  long KH, KW;       // filter
  long SH, SW;       // stride
  long PT, PL;       // padding before (top, left); the rest is implied by the sizes
  long DH, DW;       // dilation
  int oihw;          // 0: the filter is [KH, KW, C, O]; 1: it is [O, C, KH, KW]
} conv_t;

// y [N, OH, OW, O] = x * w
int conv2d_forward(const conv_t *g, const float *x, const float *w, float *y, int threads);
// dx [N, H, W, C] from dy [N, OH, OW, O] and w
int conv2d_backprop_input(const conv_t *g, const float *dy, const float *w, float *dx, int threads);
// (y and dx return -1 when out of memory, else 0.)
// dw (in the filter's layout) from x and dy
void conv2d_backprop_filter(const conv_t *g, const float *x, const float *dy, float *dw, int threads);

#endif
