// add, mul: element-wise sum and product of values of one shape. Kind facts:
// compiler/layers/elementwise.ts.
import * as tf from "@tensorflow/tfjs";

export const addValues = <T extends tf.Tensor>(...values: T[]): T => (values.length === 2 ? tf.add(values[0]!, values[1]!) : tf.addN(values)) as T;
export const mulValues = <T extends tf.Tensor>(...values: T[]): T => values.slice(1).reduce<tf.Tensor>((acc, v) => tf.mul(acc, v), values[0]!) as T;

/** x * A. Kind facts: compiler/layers/scale.ts. */
export const scale = <T extends tf.Tensor>(x: T, factor: number): T => tf.mul(x, factor) as T;
