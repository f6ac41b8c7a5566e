// pad2d, avgpool, maxpool: stateless image layers. Kind facts: compiler/layers/pad.ts, pool.ts.
import type * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const pad2d = (x: tf.Tensor4D, p: readonly number[], mode: "zeros" | "reflect" | "replicate"): tf.Tensor4D => F.pad2d(x, p, mode);
export const avgpool = (x: tf.Tensor4D, k: readonly number[], s: readonly number[], p: readonly number[]): tf.Tensor4D => F.avgPool2d(x, k, s, p);
export const maxpool = (x: tf.Tensor4D, k: readonly number[], s: readonly number[], p: readonly number[]): tf.Tensor4D => F.maxPool2d(x, k, s, p);
