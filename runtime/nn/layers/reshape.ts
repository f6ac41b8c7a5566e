// flatten and reshape (PyTorch's element order, whatever the layout inside). Kind facts:
// compiler/layers/reshape.ts.
import type * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const flatten = (x: tf.Tensor): tf.Tensor2D => F.flatten(x);
export const reshape2 = (x: tf.Tensor, dims: readonly [number]): tf.Tensor2D => F.reshape(x, dims) as tf.Tensor2D;
export const reshape3 = (x: tf.Tensor, dims: readonly [number, number]): tf.Tensor3D => F.reshape(x, dims) as tf.Tensor3D;
export const reshape4 = (x: tf.Tensor, dims: readonly [number, number, number]): tf.Tensor4D => F.reshape(x, dims) as tf.Tensor4D;
