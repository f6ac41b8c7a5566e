// Binding a layer call's written arguments to what the layer takes (its ArgSchema):
// `IN -> OUT`, compact `k4 s2 p1 d2 op1`, keywords `k=4` / `k=(3, 5)`, flags (`nobias`),
// positional values (`lrelu(0.2)`, `upsample(2, bilinear)`, `reshape([1, 28, 28])`).
// Wrong kinds, unknown keywords, repeats and missing values are reported here.
import type { Arg, Expr, Span } from "../grammar/ast.ts";
import { type DiagnosticBag, diagnostic, hint } from "./diagnostic.ts";
import { type EvalContext, evaluate } from "./expr.ts";
import type { Pair } from "./conv-shape.ts";
import type { BoundArgs, LayerDef, PairSpec, PositionalSpec, PositionalValue } from "./layers/types.ts";
import { closest } from "./names.ts";

const COMPACT = /^(k|s|p|d|op)(\d+)$/;

export function bindArgs(
  def: LayerDef,
  args: readonly Arg[] | null,
  elementSpan: Span,
  ctx: EvalContext,
  bag: DiagnosticBag,
  /** The surrounding model has a syntax error: an argument may be missing because of it. */
  incomplete = false,
): BoundArgs {
  const schema = def.schema;
  const signature = { hint: hint("LayerSignature", [def.signature]) };
  let channels: BoundArgs["channels"];
  const pairs = new Map<string, Pair | undefined>();
  const pairSpan = new Map<string, Span>();
  const flags = new Set<string>();
  const positional = new Map<string, { value: PositionalValue | undefined; span: Span }>();
  const pairSpecs = schema.pairs ?? [];
  const posSpecs = schema.positional ?? [];

  const setPair = (spec: PairSpec, value: Pair | undefined, span: Span) => {
    if (pairs.has(spec.key)) {
      bag.add(diagnostic("DuplicateArgument", span, [`the ${spec.what}`], { notes: [{ message: "first given here", span: pairSpan.get(spec.key) ?? span }] }));
      return;
    }
    pairs.set(spec.key, value);
    pairSpan.set(spec.key, span);
  };
  const setPositional = (spec: PositionalSpec, value: PositionalValue | undefined, span: Span) => {
    if (positional.has(spec.name)) {
      bag.add(diagnostic("DuplicateArgument", span, [`the ${spec.what}`]));
      return;
    }
    positional.set(spec.name, { value, span });
  };

  for (const arg of args ?? []) {
    if (arg.kind === "channels") {
      if (!schema.channels) {
        bag.add(diagnostic("UnexpectedArgument", arg.span, [def.name, "`IN -> OUT` channels"], signature));
        continue;
      }
      if (channels !== undefined) {
        bag.add(diagnostic("DuplicateArgument", arg.span, ["`IN -> OUT`"]));
        continue;
      }
      channels = {
        in: count(arg.from, "input channels", ctx, bag),
        out: count(arg.to, "output channels", ctx, bag),
        span: arg.span,
      };
      continue;
    }
    if (arg.kind === "keyword") {
      const p = pairSpecs.find((s) => s.key === arg.key);
      // `p=same` on a layer that works it out from its input (conv): a flag, with the padding's place
      if (p && p.key === "p" && arg.value.kind === "name" && arg.value.name === "same" && (schema.flags ?? []).includes("same") && ctx.scope.lookup("same") === undefined) {
        flags.add("same");
        pairSpan.set("p", arg.span);
        continue;
      }
      if (p) {
        setPair(p, pairValue(arg.value, p, ctx, bag), arg.span);
        continue;
      }
      const q = posSpecs.find((s) => s.name === arg.key);
      if (q) {
        setPositional(q, positionalValue(arg.value, q, ctx, bag), arg.span);
        continue;
      }
      if (arg.key === "op" && pairSpecs.some((s) => s.key === "k") && evaluate(arg.value, { ...ctx, bag: null }) === 0) {
        bag.add(diagnostic("NoOpArgument", arg.span, ["op=0", def.name], { hint: hint("RemoveIt") }));
        continue;
      }
      const keys = [...pairSpecs.map((s) => s.key), ...posSpecs.map((s) => s.name)];
      const near = closest(arg.key, keys);
      bag.add(
        diagnostic("UnknownKeyword", arg.keySpan, [def.name, arg.key], {
          hint: near ? hint("DidYouMean", [near]) : hint("LayerSignature", [def.signature]),
        }),
      );
      continue;
    }
    // Positional: a compact keyword, a flag, a mode name, or the next positional value.
    const v = arg.value;
    if (v.kind === "name" && ctx.scope.lookup(v.name) === undefined) {
      const m = COMPACT.exec(v.name);
      if (m) {
        const p = pairSpecs.find((s) => s.key === m[1]);
        if (p) {
          const n = Number(m[2]);
          setPair(p, checkPair([n, n], p, arg.span, bag), arg.span);
        } else if (m[1] === "op" && Number(m[2]) === 0) {
          // PyTorch's Conv2d has no output padding; a zero one changes nothing.
          bag.add(diagnostic("NoOpArgument", arg.span, [v.name, def.name], { hint: hint("RemoveIt") }));
        } else {
          bag.add(diagnostic("UnexpectedArgument", arg.span, [def.name, `\`${v.name}\` (${compactWhat(m[1]!)})`], signature));
        }
        continue;
      }
      if (v.name === "bias" || v.name === "nobias") {
        if ((schema.flags ?? []).includes("nobias")) {
          if (v.name === "nobias") flags.add("nobias");
        } else {
          bag.add(diagnostic("UnexpectedArgument", arg.span, [def.name, `\`${v.name}\``], signature));
        }
        continue;
      }
      // A flag of the layer's own (inorm's `affine`, `track`).
      if ((schema.flags ?? []).includes(v.name) && v.name !== "nobias") {
        flags.add(v.name);
        continue;
      }
      const modeSpec = posSpecs.find((s) => s.kind === "mode" && !positional.has(s.name));
      if (modeSpec) {
        setPositional(modeSpec, positionalValue(v, modeSpec, ctx, bag), arg.span);
        continue;
      }
    }
    const slot = posSpecs.find((s) => s.kind !== "mode" && !positional.has(s.name));
    if (!slot) {
      const what = posSpecs.length === 0 ? `\`${sourceLike(v)}\`` : `another argument (\`${sourceLike(v)}\`)`;
      bag.add(diagnostic("UnexpectedArgument", arg.span, [def.name, what], signature));
      continue;
    }
    setPositional(slot, positionalValue(v, slot, ctx, bag), arg.span);
  }

  if (schema.channels && channels === undefined && !incomplete) {
    bag.add(diagnostic("MissingArgument", elementSpan, [def.name, "its channels, `IN -> OUT`"], signature));
  }
  for (const p of pairSpecs) {
    if (pairs.has(p.key)) continue;
    if (p.default === undefined) {
      if (!incomplete) bag.add(
        diagnostic("MissingArgument", elementSpan, [def.name, `a ${p.what}`], {
          hint: `add ${p.key}N, e.g. ${p.key}4 (or ${p.key}=4)`,
        }),
      );
      pairs.set(p.key, undefined);
    } else {
      pairs.set(p.key, [p.default, p.default]);
    }
  }
  for (const q of posSpecs) {
    if (positional.has(q.name)) continue;
    if (!q.optional) {
      if (!incomplete) bag.add(diagnostic("MissingArgument", elementSpan, [def.name, `a ${q.what}`], signature));
      positional.set(q.name, { value: undefined, span: elementSpan });
    } else if (q.default !== undefined) {
      positional.set(q.name, { value: q.default, span: elementSpan });
    }
  }
  return { channels, pairs, pairSpans: pairSpan, flags, positional };
}

function compactWhat(key: string): string {
  switch (key) {
    case "k":
      return "a kernel size";
    case "s":
      return "a stride";
    case "p":
      return "a padding";
    case "d":
      return "a dilation";
    default:
      return "an output padding";
  }
}

function sourceLike(e: Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "name":
      return e.name;
    default:
      return "…";
  }
}

function count(e: Expr, what: string, ctx: EvalContext, bag: DiagnosticBag): number | undefined {
  const v = evaluate(e, ctx);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) {
    bag.add(diagnostic("NotAnInteger", e.span, [`the number of ${what}`, v]));
    return undefined;
  }
  if (v < 1) {
    bag.add(diagnostic("OutOfRange", e.span, [`the number of ${what}`, "at least 1", v]));
    return undefined;
  }
  return v;
}

function pairValue(e: Expr, spec: PairSpec, ctx: EvalContext, bag: DiagnosticBag): Pair | undefined {
  if (e.kind === "tuple") {
    if (e.items.length !== 2) {
      bag.add(diagnostic("WrongValueKind", e.span, [`the ${spec.what}`, "one number or a pair (H, W)", `${e.items.length} numbers`]));
      return undefined;
    }
    const a = evaluate(e.items[0]!, ctx);
    const b = evaluate(e.items[1]!, ctx);
    if (a === undefined || b === undefined) return undefined;
    return checkPair([a, b], spec, e.span, bag);
  }
  if (e.kind === "list") {
    bag.add(diagnostic("WrongValueKind", e.span, [`the ${spec.what}`, "one number or a pair (H, W)", "a list"]));
    return undefined;
  }
  if (e.kind === "name" && (e.name === "same" || e.name === "valid") && ctx.scope.lookup(e.name) === undefined) {
    // Keras's and PyTorch's padding modes where the layer does not take them (conv takes
    // p=same): say what to write instead of "unknown name".
    bag.add(
      diagnostic("NotSupported", e.span, [`${spec.key}=${e.name}`, `padding '${e.name}'`], {
        hint: e.name === "valid" ? "write p0 (no padding), the default" : "write the padding: p(K-1)/2 for an odd kernel K at stride 1 (k3 p1, k5 p2); for an even one, pad([left, right, top, bottom]) before the layer",
      }),
    );
    return undefined;
  }
  const v = evaluate(e, ctx);
  if (v === undefined) return undefined;
  return checkPair([v, v], spec, e.span, bag);
}

function checkPair(p: Pair, spec: PairSpec, span: Span, bag: DiagnosticBag): Pair | undefined {
  for (const v of p) {
    if (!Number.isInteger(v)) {
      bag.add(diagnostic("NotAnInteger", span, [`the ${spec.what}`, v]));
      return undefined;
    }
    if (v > Number.MAX_SAFE_INTEGER) {
      bag.add(diagnostic("NumberTooLarge", span, [String(v)]));
      return undefined;
    }
    if (v < spec.min) {
      bag.add(diagnostic("OutOfRange", span, [`the ${spec.what}`, `at least ${spec.min}`, v]));
      return undefined;
    }
  }
  return p;
}

function positionalValue(
  e: Expr,
  spec: PositionalSpec,
  ctx: EvalContext,
  bag: DiagnosticBag,
): PositionalValue | undefined {
  switch (spec.kind) {
    case "mode": {
      const modes = spec.modes ?? [];
      if (e.kind === "name" && modes.includes(e.name)) return e.name;
      const near = e.kind === "name" ? closest(e.name, modes) : undefined;
      bag.add(
        diagnostic("WrongValueKind", e.span, [`the ${spec.what}`, modes.map((m) => `\`${m}\``).join(" or "), `\`${sourceLike(e)}\``], {
          ...(near ? { hint: hint("DidYouMean", [near]) } : {}),
        }),
      );
      return undefined;
    }
    case "sizes":
    case "dims": {
      // "sizes": one whole number, or a list of them (pad's P or [left, right, top, bottom])
      if (spec.kind === "sizes" && e.kind !== "list" && e.kind !== "tuple") {
        const v = evaluate(e, ctx);
        if (v === undefined) return undefined;
        if (!Number.isInteger(v)) {
          bag.add(diagnostic("NotAnInteger", e.span, [`the ${spec.what}`, v]));
          return undefined;
        }
        return v;
      }
      if (e.kind !== "list") {
        bag.add(diagnostic("WrongValueKind", e.span, [`the ${spec.what}`, "a list such as [1, 28, 28]", `\`${sourceLike(e)}\``]));
        return undefined;
      }
      const dims: number[] = [];
      for (const item of e.items) {
        const v = evaluate(item, ctx);
        if (v === undefined) return undefined;
        if (!Number.isInteger(v)) {
          bag.add(diagnostic("NotAnInteger", item.span, ["a dimension", v]));
          return undefined;
        }
        dims.push(v);
      }
      return dims;
    }
    case "int":
    case "real": {
      if (e.kind === "tuple" || e.kind === "list") {
        bag.add(diagnostic("WrongValueKind", e.span, [`the ${spec.what}`, "a number", e.kind === "tuple" ? "a pair" : "a list"]));
        return undefined;
      }
      const v = evaluate(e, ctx);
      if (v === undefined) return undefined;
      if (spec.kind === "int" && !Number.isInteger(v)) {
        bag.add(diagnostic("NotAnInteger", e.span, [`the ${spec.what}`, v]));
        return undefined;
      }
      const bad = spec.range?.(v);
      if (bad !== undefined) {
        bag.add(diagnostic("OutOfRange", e.span, [`the ${spec.what}`, bad, v]));
        return undefined;
      }
      return v;
    }
  }
}
