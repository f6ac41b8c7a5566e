// The built-in colour set: procedural landscape pictures (no files) for colourisation specs
// (seed 003) when no --data folder is given. Each picture is a simple outdoor scene whose
// colours follow from brightness and structure, so a model that sees only L can learn ab:
// a blue sky, lighter towards the horizon, with a yellow sun and white clouds; green hills
// and grass or sandy soil below; trees (brown trunk, green crown) and houses (beige walls,
// red roof, brown door); mild luminance noise. Everything is drawn from the example index
// alone (its own seeded generator), in coordinates relative to the size, so picture i looks
// the same at every size and on every machine.
import { Rng } from "../random.ts";

type Rgb = readonly [number, number, number];

const SUN: Rgb = [255, 226, 110];
const CLOUD: Rgb = [244, 245, 250];
const TRUNK: Rgb = [104, 70, 40];
const CROWN: Rgb = [38, 112, 42];
const WALL: Rgb = [222, 204, 164];
const ROOF: Rgb = [172, 52, 40];
const DOOR: Rgb = [92, 58, 34];
const HILL: Rgb = [54, 104, 62];

/** A 32-bit hash of the index (murmur3's finaliser), the seed of picture `index`. */
function mix(index: number): number {
  let h = (Math.imul(index >>> 0, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const lerp = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const scale = (a: Rgb, f: number): Rgb => [a[0] * f, a[1] * f, a[2] * f];
const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);

/** A float RGB canvas, HWC, with the few primitives a scene needs (soft edges on curves). */
class Canvas {
  readonly px: Float32Array;
  constructor(readonly size: number) {
    this.px = new Float32Array(size * size * 3);
  }

  blend(x: number, y: number, c: Rgb, a: number): void {
    const i = (y * this.size + x) * 3;
    const px = this.px;
    px[i] = px[i]! + (c[0] - px[i]!) * a;
    px[i + 1] = px[i + 1]! + (c[1] - px[i + 1]!) * a;
    px[i + 2] = px[i + 2]! + (c[2] - px[i + 2]!) * a;
  }

  /** An ellipse (pixel units), lit from the top left when `shade` > 0. */
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb, shade = 0): void {
    const s = this.size;
    const x0 = Math.max(0, Math.floor(cx - rx - 1));
    const x1 = Math.min(s - 1, Math.ceil(cx + rx + 1));
    const y0 = Math.max(0, Math.floor(cy - ry - 1));
    const y1 = Math.min(s - 1, Math.ceil(cy + ry + 1));
    const r = Math.min(rx, ry);
    for (let y = y0; y <= y1; y++) {
      const dy = (y + 0.5 - cy) / ry;
      for (let x = x0; x <= x1; x++) {
        const dx = (x + 0.5 - cx) / rx;
        const d = Math.sqrt(dx * dx + dy * dy);
        const a = clamp01((1 - d) * r + 0.5);
        if (a <= 0) continue;
        this.blend(x, y, shade > 0 ? scale(c, 1 + shade * (-0.6 * dx - 0.8 * dy) * 0.5) : c, a);
      }
    }
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const s = this.size;
    const xa = Math.max(0, Math.round(x0));
    const xb = Math.min(s, Math.round(x1));
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(s, Math.round(y1));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.blend(x, y, c, 1);
  }

  /** A triangle with a horizontal base from x0 to x1 at y = base and its apex above the middle. */
  roof(x0: number, x1: number, base: number, apex: number, c: Rgb): void {
    const s = this.size;
    const mid = (x0 + x1) / 2;
    const half = (x1 - x0) / 2;
    const h = base - apex;
    if (h <= 0) return;
    for (let y = Math.max(0, Math.floor(apex)); y < Math.min(s, Math.round(base)); y++) {
      const w = (half * (y + 0.5 - apex)) / h;
      for (let x = Math.max(0, Math.floor(mid - w - 1)); x <= Math.min(s - 1, Math.ceil(mid + w + 1)); x++) {
        const a = clamp01(w - Math.abs(x + 0.5 - mid) + 0.5);
        if (a > 0) this.blend(x, y, c, a);
      }
    }
  }
}

/** Picture `index` as size x size x 3 RGB bytes (HWC). */
export function colourPicture(index: number, size: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`colour picture index ${index}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`colour picture size ${size}`);
  const seed = mix(index);
  const rng = new Rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const S = size;
  const cv = new Canvas(S);
  const px = cv.px;

  // Layout and palette, in fractions of the size.
  const horizon = u(0.38, 0.62);
  const skyTop: Rgb = [u(25, 60), u(75, 115), u(175, 225)];
  const skyLow: Rgb = [u(165, 205), u(195, 222), u(228, 250)];
  const desert = rng.next() < 0.3;
  const groundBase: Rgb = desert ? [u(170, 205), u(130, 160), u(80, 105)] : [u(60, 95), u(125, 160), u(35, 60)];
  const groundFar = lerp(groundBase, skyLow, 0.25);
  const groundNear = scale(groundBase, 0.78);
  const stripes = u(6, 14);
  const stripePhase = u(0, 2 * Math.PI);
  const hasSun = rng.next() < 0.7;
  const sun = { x: u(0.1, 0.9), y: u(0.07, Math.max(0.1, horizon - 0.16)), r: u(0.045, 0.085) };
  const hasHills = !desert && rng.next() < 0.7;
  const hill = { amp: u(0.04, 0.12), f1: u(4, 9), p1: u(0, 6.3), f2: u(11, 19), p2: u(0, 6.3) };

  // Sky (with the sun's glow) and ground.
  const hz = horizon * S;
  const sunX = sun.x * S;
  const sunY = sun.y * S;
  const glowR2 = 2 * (3 * sun.r * S) ** 2;
  const warm: Rgb = [255, 244, 215];
  for (let y = 0; y < S; y++) {
    const yc = y + 0.5;
    let row: Rgb;
    if (yc < hz) row = lerp(skyTop, skyLow, (yc / hz) ** 1.4);
    else {
      const t = (yc - hz) / (S - hz);
      const base = lerp(groundFar, groundNear, Math.sqrt(t));
      row = scale(base, 1 + 0.05 * Math.sin(stripes * Math.sqrt(t) * Math.PI * 2 + stripePhase));
    }
    for (let x = 0; x < S; x++) {
      const i = (y * S + x) * 3;
      let c = row;
      if (hasSun && yc < hz) {
        const dx = x + 0.5 - sunX;
        const dy = yc - sunY;
        const g = 0.45 * Math.exp(-(dx * dx + dy * dy) / glowR2);
        if (g > 0.003) c = lerp(c, warm, g);
      }
      px[i] = c[0];
      px[i + 1] = c[1];
      px[i + 2] = c[2];
    }
  }
  if (hasSun) cv.ellipse(sunX, sunY, sun.r * S, sun.r * S, SUN);

  // Distant hills along the horizon, hazy.
  if (hasHills) {
    const hillColour = lerp(HILL, skyLow, 0.3);
    for (let x = 0; x < S; x++) {
      const ux = (x + 0.5) / S;
      const h = hill.amp * (0.6 + 0.4 * Math.sin(ux * hill.f1 + hill.p1)) * (0.8 + 0.2 * Math.sin(ux * hill.f2 + hill.p2)) * S;
      const top = hz - h;
      for (let y = Math.max(0, Math.floor(top)); y < Math.min(S, Math.ceil(hz)); y++) {
        const a = clamp01(Math.min(y + 1 - top, hz - y));
        if (a > 0) cv.blend(x, y, lerp(hillColour, scale(hillColour, 0.85), (y + 0.5 - top) / Math.max(1, h)), a);
      }
    }
  }

  // Clouds: a few overlapping white puffs, greyer underneath.
  const clouds = rng.int() % 4;
  for (let k = 0; k < clouds; k++) {
    const cx = u(0, 1) * S;
    const cy = u(0.05, Math.max(0.08, horizon - 0.1)) * S;
    const w = u(0.06, 0.12) * S;
    const puffs = 3 + (rng.int() % 3);
    for (let p = 0; p < puffs; p++) {
      const ox = (p / (puffs - 1) - 0.5) * 2.2 * w;
      const r = w * u(0.55, 0.9);
      cv.ellipse(cx + ox, cy - r * 0.25, r, r * 0.7, CLOUD, 0.12);
    }
  }

  // Trees and houses on the ground, far ones first; nearer means bigger.
  const things: { kind: "tree" | "house"; x: number; v: number }[] = [];
  const trees = rng.int() % 5;
  const houses = rng.int() % 3;
  for (let k = 0; k < trees; k++) things.push({ kind: "tree", x: u(0, 1), v: u(horizon + 0.04, 0.97) });
  for (let k = 0; k < houses; k++) things.push({ kind: "house", x: u(0.05, 0.95), v: u(horizon + 0.06, 0.95) });
  things.sort((a, b) => a.v - b.v);
  for (const t of things) {
    const near = 0.45 + (t.v - horizon) / (1 - horizon);
    const x = t.x * S;
    const base = t.v * S;
    if (t.kind === "tree") {
      const r = (0.035 + 0.045 * near) * S;
      const trunkW = Math.max(1, 0.3 * r);
      const trunkH = 1.1 * r;
      cv.rect(x - trunkW / 2, base - trunkH, x + trunkW / 2, base, TRUNK);
      cv.ellipse(x, base - trunkH - 0.75 * r, r, r * 1.1, CROWN, 0.35);
    } else {
      const w = (0.09 + 0.08 * near) * S;
      const h = 0.7 * w;
      cv.rect(x - w / 2, base - h, x + w / 2, base, WALL);
      cv.roof(x - 0.6 * w, x + 0.6 * w, base - h + 0.5, base - h - 0.5 * w, ROOF);
      cv.rect(x - 0.1 * w, base - 0.45 * h, x + 0.1 * w, base, DOOR);
    }
  }

  // Mild luminance noise, then bytes.
  const out = new Uint8Array(S * S * 3);
  let h = seed | 1;
  for (let p = 0; p < S * S; p++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    const n = ((h >>> 0) % 9) - 4;
    for (let c = 0; c < 3; c++) {
      const v = Math.round(px[p * 3 + c]! + n);
      out[p * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * The built-in unpaired pair for CycleGAN (`A, B = unpaired(...)` without --data): domain A
 * is the colour scenes above ("summer"), domain B the same kind of scene in winter: green
 * turned to snow, the sky greyer, every colour paler and cooler. B's pictures are drawn
 * from other indices than A's, so no picture of B is the winter of a picture of A.
 */
export function seasonPicture(index: number, size: number, season: "summer" | "winter"): Uint8Array {
  if (season === "summer") return colourPicture(index, size);
  return winterOf(colourPicture(index + 1_000_003, size));
}

/**
 * A colour scene in winter (RGB bytes, HWC): green turned to snow, the sky greyer, every
 * colour paler and cooler. The built-in paired set (`paired(...)`) is each scene and its
 * winter; the unpaired one takes B's scenes from other indices.
 */
export function winterOf(px: Uint8Array): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i]!;
    const g = px[i + 1]!;
    const b = px[i + 2]!;
    const lum = 0.299 * r + 0.587 * g + 0.114 * b;
    // snow where the scene is green or sandy-bright ground, by how green it is
    const green = clamp01((g - Math.max(r, b)) / 30);
    let c: Rgb = [r, g, b];
    c = lerp(c, [lum, lum, lum], 0.55); // paler
    c = lerp(c, [236, 241, 248], green * 0.85); // snow
    c = [c[0] * 0.94, c[1] * 0.98, Math.min(255, c[2] * 1.06 + 8)]; // cooler
    out[i] = Math.round(Math.max(0, Math.min(255, c[0])));
    out[i + 1] = Math.round(Math.max(0, Math.min(255, c[1])));
    out[i + 2] = Math.round(Math.max(0, Math.min(255, c[2])));
  }
  return out;
}
