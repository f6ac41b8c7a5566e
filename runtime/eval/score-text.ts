// The quality score as data and as one line of text (no TensorFlow.js here: the command
// lines print it without loading a backend). runtime/eval/quality.ts computes it.

export interface QualityScore {
  /** "mnist": FLD and KID on the classifier's features; "relative": KID on random features. */
  readonly kind: "mnist" | "relative";
  /** Samples scored and real examples they were compared with. */
  readonly n: number;
  readonly reference: number;
  readonly fld?: number;
  readonly kid: number;
  readonly kidStd: number;
  /** Samples asked for a digit (`G(z, c)`): the share the classifier puts in that class. */
  readonly accuracy?: number;
}

/** One line for people: "FLD 12.3, KID 0.0123 ± 0.0009 (1,000 samples vs 10,000 test digits)". */
export function describeScore(s: QualityScore): string {
  const digits = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
  const kidText = `KID ${digits(s.kid)} ± ${digits(s.kidStd)}`;
  const n = (x: number) => x.toLocaleString("en-US");
  const asked = s.accuracy !== undefined ? `, ${(100 * s.accuracy).toFixed(1)} % of the right class` : "";
  return s.kind === "mnist"
    ? `FLD ${digits(s.fld!)}, ${kidText}${asked} (${n(s.n)} samples vs ${n(s.reference)} test digits)`
    : `relative ${kidText} (random-net features, ${n(s.n)} samples vs ${n(s.reference)} real pictures; compare runs on the same data only)`;
}

