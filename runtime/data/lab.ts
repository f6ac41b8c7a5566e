// CIE Lab colour, exactly as scikit-image's rgb2lab / lab2rgb (sRGB, D65 white, 2°
// observer) that seed 003 uses, and its normalisation for Pix2Pix colourisation:
// L / 50 - 1 and ab / 110, both into [-1, 1].

const XYZ_FROM_RGB = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
] as const;
const WHITE = [0.95047, 1.0, 1.08883] as const;

function invert3(m: readonly (readonly number[])[]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}
const RGB_FROM_XYZ = invert3(XYZ_FROM_RGB);

/** One pixel, r g b in [0, 1] -> [L, a, b]. */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = [r, g, b].map((c) => (c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92));
  const f = XYZ_FROM_RGB.map((row, k) => {
    const t = (row[0] * lin[0]! + row[1] * lin[1]! + row[2] * lin[2]!) / WHITE[k]!;
    return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
  });
  return [116 * f[1]! - 16, 500 * (f[0]! - f[1]!), 200 * (f[1]! - f[2]!)];
}

/** One pixel [L, a, b] -> r g b in [0, 1] (clipped, as scikit-image does). */
export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const y = (L + 16) / 116;
  const x = a / 500 + y;
  const z = Math.max(y - b / 200, 0);
  const xyz = [x, y, z].map((t, k) => (t > 0.2068966 ? t ** 3 : (t - 16 / 116) / 7.787) * WHITE[k]!);
  return RGB_FROM_XYZ.map((row) => {
    const c = row[0]! * xyz[0]! + row[1]! * xyz[1]! + row[2]! * xyz[2]!;
    const s = c > 0.0031308 ? 1.055 * c ** (1 / 2.4) - 0.055 : c * 12.92;
    return Math.min(1, Math.max(0, s));
  }) as [number, number, number];
}

/** Interleaved RGB bytes (H x W x 3) -> normalised L (H x W) and ab (H x W x 2). */
export function rgbBytesToNormalisedLab(rgb: Uint8Array): { L: Float32Array; ab: Float32Array } {
  const n = rgb.length / 3;
  const L = new Float32Array(n);
  const ab = new Float32Array(n * 2);
  for (let p = 0; p < n; p++) {
    const [l, a, b] = rgbToLab(rgb[3 * p]! / 255, rgb[3 * p + 1]! / 255, rgb[3 * p + 2]! / 255);
    L[p] = l / 50 - 1;
    ab[2 * p] = a / 110;
    ab[2 * p + 1] = b / 110;
  }
  return { L, ab };
}

/** The inverse, for the images a run writes: normalised L and ab -> RGB in [0, 1]. */
export function normalisedLabToRgb(L: Float32Array, ab: Float32Array): Float32Array {
  const out = new Float32Array(L.length * 3);
  for (let p = 0; p < L.length; p++) {
    const [r, g, b] = labToRgb((L[p]! + 1) * 50, ab[2 * p]! * 110, ab[2 * p + 1]! * 110);
    out[3 * p] = r;
    out[3 * p + 1] = g;
    out[3 * p + 2] = b;
  }
  return out;
}
