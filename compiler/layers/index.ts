// The built-in layers by keyword. `cat` is not here: it combines named values, so the
// checker handles it (compiler/check.ts).
import { relu, lrelu, sigmoid, tanh } from "./activations.ts";
import { bn } from "./batchnorm.ts";
import { conv, convT } from "./conv.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";
import { flatten, reshape } from "./reshape.ts";
import type { LayerDef } from "./types.ts";
import { upsample } from "./upsample.ts";

export const layers: ReadonlyMap<string, LayerDef> = new Map(
  [conv, convT, linear, bn, relu, lrelu, tanh, sigmoid, dropout, flatten, reshape, upsample].map((l) => [l.name, l]),
);

/** Names that are not in `layers` but are still reserved words of a chain. */
export const CAT = "cat";

export const layerNames: readonly string[] = [...layers.keys(), CAT];

/** Layers that keep the channel count: looked through when guessing what comes next. */
export const channelPreserving: ReadonlySet<string> = new Set(["relu", "lrelu", "tanh", "sigmoid", "dropout", "upsample"]);
