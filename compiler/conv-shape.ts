// The convolution size rules, exactly as PyTorch applies them (aten's check_shape_forward
// and slow_conv_transpose2d_shape_check), per spatial dimension:
//   conv:  out = floor((H + 2P - D(K-1) - 1) / S) + 1, rejected when the padded input
//          H + 2P is smaller than the dilated kernel D(K-1) + 1 in any dimension;
//   convT: out = (H - 1)S - 2P + D(K-1) + OP + 1, rejected when OP >= S and OP >= D in any
//          dimension, or when any output size is below 1.
// Unknown input sizes (null) give unknown output sizes and skip the checks they need.
import type { Dim } from "./shape.ts";

export type Pair = readonly [number, number];

export interface ConvGeometry {
  readonly k: Pair;
  readonly s: Pair;
  readonly p: Pair;
  readonly d: Pair;
  /** Output padding; convT only (0 for conv). */
  readonly op: Pair;
}

export type ConvRejection =
  | { readonly kind: "kernel-too-large"; readonly padded: readonly Dim[]; readonly kernel: readonly number[] }
  | { readonly kind: "output-too-small"; readonly input: readonly Dim[]; readonly output: readonly Dim[] }
  | {
      readonly kind: "output-padding";
      readonly op: number;
      readonly stride: number;
      readonly dilation: number;
    };

export type ConvSize = { readonly ok: true; readonly out: readonly Dim[] } | ({ readonly ok: false } & ConvRejection);

export function convOutputSize(input: readonly Dim[], g: ConvGeometry): ConvSize {
  const padded = input.map((h, i) => (h === null ? null : h + 2 * g.p[i as 0 | 1]));
  const kernel = input.map((_, i) => g.d[i as 0 | 1] * (g.k[i as 0 | 1] - 1) + 1);
  if (padded.some((p, i) => p !== null && p < (kernel[i] as number))) {
    return { ok: false, kind: "kernel-too-large", padded, kernel };
  }
  const out = input.map((h, i) => {
    if (h === null) return null;
    const j = i as 0 | 1;
    return Math.floor((h + 2 * g.p[j] - g.d[j] * (g.k[j] - 1) - 1) / g.s[j]) + 1;
  });
  return { ok: true, out };
}

export function convTransposeOutputSize(input: readonly Dim[], g: ConvGeometry): ConvSize {
  for (const j of [0, 1] as const) {
    if (g.op[j] >= g.s[j] && g.op[j] >= g.d[j]) {
      return { ok: false, kind: "output-padding", op: g.op[j], stride: g.s[j], dilation: g.d[j] };
    }
  }
  const out = input.map((h, i) => {
    if (h === null) return null;
    const j = i as 0 | 1;
    return (h - 1) * g.s[j] - 2 * g.p[j] + g.d[j] * (g.k[j] - 1) + g.op[j] + 1;
  });
  if (out.some((o) => o !== null && o < 1)) return { ok: false, kind: "output-too-small", input, output: out };
  return { ok: true, out };
}
