// relu, tanh, sigmoid, lrelu: element-wise; softmax over the channels, channels-last in and out. Kind facts:
// compiler/layers/activations.ts.
import * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const relu = <T extends tf.Tensor>(x: T): T => tf.relu(x);
export const tanh = <T extends tf.Tensor>(x: T): T => tf.tanh(x);
export const sigmoid = <T extends tf.Tensor>(x: T): T => tf.sigmoid(x);
export const lrelu = <T extends tf.Tensor>(x: T, slope: number): T => F.leakyRelu(x, slope) as T;
/** Softmax over PyTorch's dim 1: the channels (the last axis here) or a vector's features. */
export const softmax = <T extends tf.Tensor>(x: T): T => tf.softmax(x, -1) as T;
