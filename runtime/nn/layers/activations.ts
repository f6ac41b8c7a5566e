// relu, tanh, sigmoid, lrelu: element-wise, channels-last in and out. Kind facts:
// compiler/layers/activations.ts.
import * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const relu = <T extends tf.Tensor>(x: T): T => tf.relu(x);
export const tanh = <T extends tf.Tensor>(x: T): T => tf.tanh(x);
export const sigmoid = <T extends tf.Tensor>(x: T): T => tf.sigmoid(x);
export const lrelu = <T extends tf.Tensor>(x: T, slope: number): T => F.leakyRelu(x, slope) as T;
