// A seeded random number generator for initialisation and noise: the same seed gives the
// same numbers on every machine and backend (TF.js's own random ops are not used for this).

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  fillNormal(n: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  fillUniform(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  /** A 31-bit integer, e.g. a seed for a TF.js random op. */
  int(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** For checkpoints: the whole state is one integer. */
  get seedState(): number {
    return this.state;
  }
}

/** The high 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 0x10000) + Math.floor(m2 / 0x10000)) >>> 0;
}

/** (hi, lo) · (bHi, bLo) mod 2^64, into out[0] (hi) and out[1] (lo). */
function mul64(hi: number, lo: number, bHi: number, bLo: number, out: Uint32Array): void {
  out[0] = (mulHigh32(lo, bLo) + Math.imul(hi, bLo) + Math.imul(lo, bHi)) >>> 0;
  out[1] = Math.imul(lo, bLo) >>> 0;
}

/** splitmix64 of (hi, lo), into out (hi, lo): the native kernels' (runtime/kernels/native/eltwise.c). */
function splitmix64(hi: number, lo: number, out: Uint32Array): void {
  const sum = lo + 0x7f4a7c15;
  lo = sum >>> 0;
  hi = (hi + 0x9e3779b9 + (sum > 0xffffffff ? 1 : 0)) >>> 0;
  // x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
  let l = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  let h = (hi ^ (hi >>> 30)) >>> 0;
  mul64(h, l, 0xbf58476d, 0x1ce4e5b9, out);
  // x = (x ^ (x >> 27)) * 0x94D049BB133111EB
  l = (out[1]! ^ ((out[1]! >>> 27) | (out[0]! << 5))) >>> 0;
  h = (out[0]! ^ (out[0]! >>> 27)) >>> 0;
  mul64(h, l, 0x94d049bb, 0x133111eb, out);
  // x ^ (x >> 31)
  l = (out[1]! ^ ((out[1]! >>> 31) | (out[0]! << 1))) >>> 0;
  h = (out[0]! ^ (out[0]! >>> 31)) >>> 0;
  out[0] = h;
  out[1] = l;
}

/**
 * Dropout's mask of n values (`scale` kept, 0 dropped with probability p) for a seed: the
 * same numbers as the native kernel's (element i keeps where the 53-bit uniform of
 * splitmix64(splitmix64(seed) + i) is at least p), so every backend drops the same units.
 */
export function dropoutMaskValues(n: number, p: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const t = new Uint32Array(2);
  splitmix64(Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0, t);
  const baseHi = t[0]!;
  const baseLo = t[1]!;
  for (let i = 0; i < n; i++) {
    const sum = baseLo + i;
    splitmix64((baseHi + (sum > 0xffffffff ? 1 : 0)) >>> 0, sum >>> 0, t);
    const u = (t[0]! * 2 ** 21 + (t[1]! >>> 11)) / 2 ** 53;
    out[i] = u >= p ? scale : 0;
  }
  return out;
}
