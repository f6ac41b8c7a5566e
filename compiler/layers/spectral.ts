// Spectral normalisation (Miyato et al. 2018) of a conv, convT or linear, written as the
// flag `sn`: PyTorch's torch.nn.utils.spectral_norm, whose state the layer then has
// (`weight_orig` the parameter, `weight_u` and `weight_v` buffers, after `bias`), so
// PyTorch SN checkpoints load. One power iteration per training forward; eval uses the
// stored vectors. The runtime side: runtime/nn/functional.ts's spectralWeight.
import type { StateSpec } from "./types.ts";

/** The layer's state with spectral normalisation: PyTorch's order and names. */
export function spectralState(plain: readonly StateSpec[], height: number, width: number): StateSpec[] {
  const weight = plain.find((s) => s.name === "weight")!;
  const bias = plain.filter((s) => s.name === "bias");
  return [
    ...bias,
    { ...weight, name: "weight_orig" },
    { name: "weight_u", shape: [height], kind: "buffer", dtype: "F32", init: { kind: "unit" } },
    { name: "weight_v", shape: [width], kind: "buffer", dtype: "F32", init: { kind: "unit" } },
  ];
}

/** The module wrapped as PyTorch's emitter writes it. */
export const spectralModule = (module: string): string => `nn.utils.spectral_norm(${module})`;
