// Shapes as the checker sees them: PyTorch order without the batch dimension ([C, H, W]
// for images, [N] for vectors). A dimension the checker could not infer (after an error)
// is null; a shape of unknown rank is null. Unknowns silence the checks that need them, so
// one mistake is reported once, not again at every later layer.

export type Dim = number | null;
export type Shape = readonly Dim[] | null;

export function formatDim(d: Dim): string {
  return d === null ? "?" : String(d);
}

export function formatShape(s: Shape): string {
  return s === null ? "[?]" : `[${s.map(formatDim).join(", ")}]`;
}

/** "64 x 64": how PyTorch prints spatial sizes in its messages. */
export function formatSpatial(dims: readonly Dim[]): string {
  return dims.map(formatDim).join(" x ");
}

export function numel(s: Shape): number | null {
  if (s === null) return null;
  let n = 1;
  for (const d of s) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a === null || b === null) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

export function channels(s: Shape): Dim {
  return s === null ? null : (s[0] ?? null);
}

export function describeRank(s: Shape): string {
  if (s === null) return "a tensor";
  if (s.length === 1) return `a vector ${formatShape(s)}`;
  if (s.length === 3) return `an image ${formatShape(s)}`;
  return formatShape(s);
}
