// upsample: nearest, or bilinear with align_corners=False. Kind facts: compiler/layers/upsample.ts.
import type * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";

export const upsample = (x: tf.Tensor4D, scale: number, mode: "nearest" | "bilinear"): tf.Tensor4D => F.upsample(x, scale, mode);
