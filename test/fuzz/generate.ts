// Fuzz inputs for the compiler: mutations of the seed specs (token deletions,
// duplications, swaps, random bytes, look-alike characters, deep nesting, huge numbers,
// CRLF, BOM) and random specs derived from the grammar. Deterministic for a given seed.

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const TOKEN = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|->|→|\*\*|\s+|#[^\n]*|./gsu;

const VOCAB = [
  "conv", "convT", "linear", "bn", "relu", "lrelu", "tanh", "sigmoid", "dropout", "flatten", "reshape",
  "upsample", "cat", "block", "for", "in", "range", "log2", "k4", "s2", "p1", "d2", "op1", "nobias",
  "(", ")", "[", "]", "{", "}", ",", ":", "=", "->", "→", "+", "-", "*", "/", "**", "0", "1", "64",
  "0.5", "-1", "x", "G", "D", "nz", "ngf", "\n", " ", "#", "bilinear", "nearest",
  "train", "step", "optim", "adam", "lr", "betas", "bce", "bce_logits", "l1", "mse", "mnist", "images", "colour",
  "lab", "noise", "flip", "size", "channels", "batch", "epochs", "iters", "sample", "fake", "real", "2e-4",
];

const LOOKALIKES = ["−>", "—>", "=>", "⟶", "×", "−", "‐", "（", "）", "：", "\u00a0", "\u200b", "\ufeff", "ﬁ"];

function tokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function mutate(seedText: string, r: () => number): string {
  const kind = int(r, 0, 11);
  const t = tokens(seedText);
  const at = () => int(r, 0, Math.max(0, t.length - 1));
  switch (kind) {
    case 0: // delete tokens
      for (let n = int(r, 1, 4); n > 0; n--) t.splice(at(), 1);
      return t.join("");
    case 1: // duplicate a run
    {
      const i = at();
      const run = t.slice(i, i + int(r, 1, 8));
      t.splice(i, 0, ...run);
      return t.join("");
    }
    case 2: // swap two tokens
    {
      const i = at();
      const j = at();
      [t[i], t[j]] = [t[j]!, t[i]!];
      return t.join("");
    }
    case 3: // insert vocabulary tokens
      for (let n = int(r, 1, 6); n > 0; n--) t.splice(at(), 0, pick(r, VOCAB));
      return t.join("");
    case 4: // random bytes (as characters)
    {
      const i = int(r, 0, seedText.length);
      let junk = "";
      for (let n = int(r, 1, 12); n > 0; n--) junk += String.fromCharCode(int(r, 0, 0xffff));
      return seedText.slice(0, i) + junk + seedText.slice(i);
    }
    case 5: // look-alikes
    {
      const i = int(r, 0, seedText.length);
      return seedText.slice(0, i) + pick(r, LOOKALIKES) + seedText.slice(i);
    }
    case 6: // deep nesting
    {
      const depth = int(r, 10, 3000);
      const open = pick(r, ["(", "[", "{"]);
      const close = open === "(" ? ")" : open === "[" ? "]" : "}";
      const i = int(r, 0, seedText.length);
      return seedText.slice(0, i) + open.repeat(depth) + "1" + close.repeat(int(r, 0, depth)) + seedText.slice(i);
    }
    case 7: // huge or odd numbers
      return seedText.replace(/\d+/g, (m) => (r() < 0.3 ? pick(r, ["99999999999999999999999", "0", "1e999", "0.0000001", "-5", "9007199254740993", "1.5"]) : m));
    case 8: // CRLF, CR, BOM
      return (r() < 0.5 ? "\ufeff" : "") + seedText.replace(/\n/g, pick(r, ["\r\n", "\r", "\n\n"]));
    case 9: // truncate
      return seedText.slice(0, int(r, 0, seedText.length));
    case 10: // several mutations
      return mutate(mutate(seedText, r), r);
    default:
      return grammarSpec(r);
  }
}

/** A random spec from the grammar: parameters, blocks, models, loops, cat. */
export function grammarSpec(r: () => number): string {
  const params = ["a", "b", "c"].map((n) => `${n} = ${expr(r, 2)}`);
  const lines = [...params];
  if (r() < 0.5) lines.push(`block blk(u, v):\n    ${chain(r)}`);
  for (let m = int(r, 1, 3); m > 0; m--) {
    const shape = r() < 0.5 ? `[${int(r, 1, 8)}, ${int(r, 1, 40)}, ${int(r, 1, 40)}]` : `[${int(r, 1, 300)}]`;
    lines.push(r() < 0.2 ? `M${m}:` : `M${m}(x: ${shape})${r() < 0.5 ? ` -> ${shape}` : ""}:`);
    for (let s = int(r, 0, 5); s > 0; s--) lines.push(`    ${r() < 0.3 ? `v${s} = ` : ""}${chain(r)}`);
  }
  return lines.join("\n");
}

function expr(r: () => number, depth: number): string {
  if (depth <= 0 || r() < 0.4) return pick(r, ["1", "2", "3", "4", "8", "64", "a", "b", "0", "7"]);
  return `${expr(r, depth - 1)} ${pick(r, ["+", "-", "*", "/", "**"])} ${expr(r, depth - 1)}`;
}

function chain(r: () => number): string {
  const items: string[] = [];
  for (let n = int(r, 1, 5); n > 0; n--) {
    switch (int(r, 0, 9)) {
      case 0:
        items.push(`conv(${expr(r, 1)} -> ${expr(r, 1)}, k${int(r, 0, 6)}, s${int(r, 0, 3)}, p${int(r, 0, 3)})`);
        break;
      case 1:
        items.push(`convT(${expr(r, 1)} -> ${expr(r, 1)}, k${int(r, 1, 6)}, s${int(r, 1, 3)}, op${int(r, 0, 2)})`);
        break;
      case 2:
        items.push(`linear(${expr(r, 1)} -> ${expr(r, 1)})`);
        break;
      case 3:
        items.push(pick(r, ["bn", "relu", "tanh", "sigmoid", "flatten", "lrelu(0.2)", "dropout(0.5)", `bn(${expr(r, 1)})`]));
        break;
      case 4:
        items.push(`upsample(${int(r, 0, 3)}, ${pick(r, ["nearest", "bilinear", "cubic"])})`);
        break;
      case 5:
        items.push(`reshape([${expr(r, 1)}, -1])`);
        break;
      case 6:
        items.push(`cat(x, ${pick(r, ["x", "v1", "v2", "nope"])})`);
        break;
      case 7:
        items.push(`for i in range(${int(r, 0, 4)}) { ${chain(r)} }`);
        break;
      case 8:
        items.push(`blk(${expr(r, 1)}, ${expr(r, 1)})`);
        break;
      default:
        items.push(pick(r, ["v1", "x", "junk", "relu(", ")"]));
    }
  }
  return items.join(" ");
}
