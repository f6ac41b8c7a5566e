// How a parameter or buffer starts. The seeds' rules: conv and convT weights N(0, 0.02),
// BatchNorm weight N(1, 0.02) and bias 0 (seeds 001 and 003); everything else PyTorch's
// default (Linear and conv biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), Linear weights the
// same bound, from kaiming_uniform with a = sqrt(5)); running mean 0, running var 1.
import type { Rng } from "../random.ts";

export type Init =
  | { readonly kind: "normal"; readonly mean: number; readonly std: number }
  | { readonly kind: "uniform"; readonly bound: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" };

export function initialValues(init: Init, size: number, rng: Rng): Float32Array {
  switch (init.kind) {
    case "normal":
      return rng.fillNormal(size, init.mean, init.std);
    case "uniform":
      return rng.fillUniform(size, -init.bound, init.bound);
    case "zeros":
      return new Float32Array(size);
    case "ones":
      return new Float32Array(size).fill(1);
  }
}
