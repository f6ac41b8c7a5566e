// cat: values joined along channels (PyTorch's dim 1). Kind facts: compiler/layers/cat.ts.
import type * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const cat = <T extends tf.Tensor>(...values: T[]): T => F.cat(values) as T;
