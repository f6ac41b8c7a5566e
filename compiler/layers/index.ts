// The registry of layer kinds: one line per kind. `layers` are the ones a chain writes by
// keyword; `cat` combines named values, so the checker infers it itself (compiler/check.ts),
// and `ops` has it too, for what comes after the checker (IR, schema, emitter).
import { relu, lrelu, sigmoid, softmax, tanh } from "./activations.ts";
import { bn } from "./batchnorm.ts";
import { cat } from "./cat.ts";
import { conv, convT } from "./conv.ts";
import { dropout, dropout2d } from "./dropout.ts";
import { attention } from "./attention.ts";
import { add, mul } from "./elementwise.ts";
import { embedding, expand, onehot } from "./labels.ts";
import { linear } from "./linear.ts";
import { gn, inorm, ln } from "./norms.ts";
import { pad } from "./pad.ts";
import { gain, scale } from "./scale.ts";
import { avgpool, maxpool } from "./pool.ts";
import { flatten, reshape } from "./reshape.ts";
import type { LayerDef } from "./types.ts";
import { upsample } from "./upsample.ts";

export const layers: ReadonlyMap<string, LayerDef> = new Map(
  [conv, convT, linear, bn, inorm, gn, ln, attention, relu, lrelu, tanh, sigmoid, softmax, dropout, dropout2d, flatten, reshape, upsample, pad, avgpool, maxpool, embedding, onehot, expand, scale, gain].map((l) => [l.name, l]),
);

/** Every layer kind an IR can hold, by its op. */
export const ops: ReadonlyMap<string, LayerDef> = new Map([...layers, [cat.name, cat], [add.name, add], [mul.name, mul]]);

/** The facts of an IR op (its kind's module). */
export function opDef(op: string): LayerDef {
  const def = ops.get(op);
  if (def === undefined) throw new Error(`no layer kind ${op}`);
  return def;
}

/** Names that are not in `layers` but are still reserved words of a chain. */
export const CAT = cat.name;

/** What combines named values (cat, add, mul): written where a line starts. */
export const COMBINERS: ReadonlySet<string> = new Set([cat.name, add.name, mul.name]);

export const layerNames: readonly string[] = [...layers.keys(), ...COMBINERS];
