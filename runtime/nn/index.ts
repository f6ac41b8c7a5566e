// What generated model modules import: the layers with state, the stateless steps, the
// base class. Element-wise steps take and return channels-last tensors.
import * as tf from "@tensorflow/tfjs";
import * as F from "./functional.ts";

export { BatchNorm, Conv2d, ConvTranspose2d, Dropout, type ForwardOptions, Layer, Linear } from "./layers.ts";
export { Model, type ModelOptions, type NamedState } from "./model.ts";

export const relu = <T extends tf.Tensor>(x: T): T => tf.relu(x);
export const tanh = <T extends tf.Tensor>(x: T): T => tf.tanh(x);
export const sigmoid = <T extends tf.Tensor>(x: T): T => tf.sigmoid(x);
export const lrelu = <T extends tf.Tensor>(x: T, slope: number): T => F.leakyRelu(x, slope) as T;
export const flatten = (x: tf.Tensor): tf.Tensor2D => F.flatten(x);
export const reshape2 = (x: tf.Tensor, dims: readonly [number]): tf.Tensor2D => F.reshape(x, dims) as tf.Tensor2D;
export const reshape3 = (x: tf.Tensor, dims: readonly [number, number]): tf.Tensor3D => F.reshape(x, dims) as tf.Tensor3D;
export const reshape4 = (x: tf.Tensor, dims: readonly [number, number, number]): tf.Tensor4D => F.reshape(x, dims) as tf.Tensor4D;
export const upsample = (x: tf.Tensor4D, scale: number, mode: "nearest" | "bilinear"): tf.Tensor4D => F.upsample(x, scale, mode);
export const cat = <T extends tf.Tensor>(...values: T[]): T => F.cat(values) as T;
