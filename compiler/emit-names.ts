// Names in generated code, for every emitter: each spec name made safe for the target
// language by `safe` (a keyword gets a `_`), then `_` appended until it is unused.

/** A name giver: `name("fake")` is "fake", then "fake_", ... ; `taken` are never given. */
export function namer(safe: (name: string) => string, taken: Iterable<string> = []): (base: string) => string {
  const used = new Set(taken);
  return (base) => {
    let n = safe(base);
    while (used.has(n)) n = `${n}_`;
    used.add(n);
    return n;
  };
}

/** A value's text (`D(cat(L, fake))`) as the base of a local name: `D_cat_L_fake`. */
export function localBase(text: string): string {
  const n = text.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "v";
  return /^[0-9]/.test(n) ? `v${n}` : n;
}
