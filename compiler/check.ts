// The checker: AST + parameter values -> every model's layers with inferred shapes and
// parameter counts, plus diagnostics. It expands blocks and for loops, follows named values
// and cat, and never stops at the first error: a layer whose shape can't be inferred yields
// unknown dimensions, which silence the checks that would only repeat the same mistake.
import type { Arg, BlockDef, ChainItem, Element, ForLoop, ModelDef, ShapeExpr, Span, Spec, Statement } from "../grammar/ast.ts";
import { bindArgs } from "./args.ts";
import { DiagnosticBag, diagnostic, hint } from "./diagnostic.ts";
import { type EvalContext, evaluate, Scope } from "./expr.ts";
import { CAT, COMBINERS, layerNames, layers } from "./layers/index.ts";
import type { Attrs, BoundArgs, LayerContext, LayerDef, LayerResult, Producer } from "./layers/types.ts";
import { foreignName } from "./layers/foreign-names.ts";
import { closest, closestAll } from "./names.ts";
import type { ParamValues } from "./params.ts";
import { formatShape, type Shape, sameShape } from "./shape.ts";

export const MAX_LAYERS_PER_MODEL = 100_000;
export const MAX_LOOP_ITERATIONS = 10_000;
export const MAX_BLOCK_DEPTH = 32;

export interface CheckedLayer {
  readonly id: number;
  /** The layer's keyword: conv, convT, linear, bn, relu, ..., cat. */
  readonly op: string;
  /** Values this layer reads (value ids: model inputs first, then layer outputs). */
  readonly inputs: readonly number[];
  readonly inShape: Shape;
  readonly out: Shape;
  readonly params: number | undefined;
  readonly attrs: Attrs;
  /** Where the layer is written (inside a block body for expanded blocks). */
  readonly span: Span;
  /** Block calls this layer was expanded from, outermost first. */
  readonly blocks: readonly string[];
  /** The `name =` its value is bound to, if any. */
  name?: string;
}

export interface CheckedInput {
  readonly name: string;
  readonly shape: Shape;
  readonly span: Span;
}

export interface CheckedModel {
  /** Class counts of the inputs that are labels (`y: label(10)`), by input name. */
  readonly labels?: Readonly<Record<string, number>>;
  readonly name: string;
  readonly nameSpan: Span;
  readonly inputs: readonly CheckedInput[];
  readonly output: Shape;
  /** Value id of the output (an input's id when the body is empty). */
  readonly outputValue: number | null;
  readonly declaredOutput: Shape | null;
  /** `-> (src: [1], cls: [10])`: every named output in order (`output` is the first). */
  readonly outputs?: readonly { readonly name: string; readonly value: number; readonly shape: Shape }[];
  readonly params: number;
  readonly layers: readonly CheckedLayer[];
  /** No error was reported inside this model. */
  readonly ok: boolean;
}

interface Value {
  readonly id: number;
  readonly shape: Shape;
  readonly producer: Producer;
}

interface NamedValue {
  readonly value: Value;
  readonly span: Span;
}

interface Frame {
  readonly scope: Scope;
  readonly names: Map<string, NamedValue>;
  readonly blocks: readonly string[];
  readonly inLoop: boolean;
}

export interface CheckInput {
  readonly spec: Spec;
  readonly params: ParamValues;
  readonly bag: DiagnosticBag;
}

export function check({ spec, params, bag }: CheckInput): CheckedModel[] {
  const blocks = new Map<string, BlockDef>();
  for (const b of spec.blocks) {
    if (layers.has(b.name) || COMBINERS.has(b.name)) {
      bag.add(diagnostic("BlockHidesLayer", b.nameSpan, [b.name], { hint: hint("ChooseAnotherName") }));
      continue;
    }
    const first = blocks.get(b.name);
    if (first) {
      bag.add(diagnostic("DuplicateBlock", b.nameSpan, [b.name], { notes: [{ message: "first defined here", span: first.nameSpan }] }));
      continue;
    }
    blocks.set(b.name, b);
  }
  const usedBlocks = new Set<string>();
  const models: CheckedModel[] = [];
  const modelNames = new Map<string, ModelDef>();
  for (const m of spec.models) {
    const first = modelNames.get(m.name);
    if (first) {
      bag.add(diagnostic("DuplicateModel", m.nameSpan, [m.name], { notes: [{ message: "first defined here", span: first.nameSpan }] }));
    } else modelNames.set(m.name, m);
    models.push(new ModelChecker(m, blocks, modelNames, params, bag, usedBlocks).run());
  }
  for (const b of blocks.values()) {
    if (!usedBlocks.has(b.name)) bag.add(diagnostic("UnusedBlock", b.nameSpan, [b.name], { hint: hint("RemoveOrUse") }));
  }
  if (spec.models.length === 0) bag.add(diagnostic("NoModels", null));
  return models;
}

/** After the models and the training section: parameters that nothing reads. */
export function reportUnusedParameters(spec: Spec, params: ParamValues, bag: DiagnosticBag): void {
  for (const name of params.values.keys()) {
    if (params.used.has(name)) continue;
    const def = spec.params.find((d) => d.name === name);
    if (def) bag.add(diagnostic("UnusedParameter", def.nameSpan, [name], { hint: hint("RemoveOrUse") }));
  }
}

class ModelChecker {
  private readonly layers: CheckedLayer[] = [];
  private readonly used = new Set<number>();
  /** Value ids of the inputs that are labels, with their class counts. */
  private readonly labelClasses = new Map<number, number>();
  private nextValue = 0;
  private errorsBefore: number;
  private tooMany = false;
  /** Named values and unnamed line results, to warn about the ones never used. */
  private readonly results: { value: Value; name: string | null; span: Span }[] = [];

  constructor(
    private readonly model: ModelDef,
    private readonly blocks: ReadonlyMap<string, BlockDef>,
    private readonly models: ReadonlyMap<string, ModelDef>,
    private readonly params: ParamValues,
    private readonly bag: DiagnosticBag,
    private readonly usedBlocks: Set<string>,
  ) {
    this.errorsBefore = bag.errorCount;
  }

  run(): CheckedModel {
    const m = this.model;
    const frame: Frame = { scope: this.params.scope, names: new Map(), blocks: [], inLoop: false };
    const inputs = this.inputs(frame);
    const start: Value | null =
      inputs.length === 1 ? { id: 0, shape: inputs[0]!.shape, producer: inputProducer(inputs[0]!) } : null;
    for (const [i, input] of inputs.entries()) {
      frame.names.set(input.name, {
        value: { id: i, shape: input.shape, producer: inputProducer(input) },
        span: input.span,
      });
    }
    this.nextValue = inputs.length;
    if (m.body.length === 0 && !m.incomplete) {
      this.bag.add(diagnostic("EmptyModel", m.headerSpan, [m.name]));
    }
    const last = this.body(m.body, start, frame, inputs.length > 1);
    const named = m.outputs && m.outputs.length > 0 ? this.namedOutputs(frame) : undefined;
    const out = named ? (named[0]?.value ?? null) : last;
    const declared = m.output ? this.shape(m.output, frame) : null;
    if (declared !== null && out !== null && !m.incomplete && this.bag.errorCount === this.errorsBefore) {
      if (!sameShape(declared, out.shape)) {
        const last = this.layers[this.layers.length - 1];
        this.bag.add(
          diagnostic("DeclaredOutputMismatch", m.output!.span, [m.name, formatShape(out.shape), formatShape(declared)], {
            hint: hint("UseOutputDeclared", [formatShape(out.shape)]),
            ...(last ? { notes: [{ message: `the last layer outputs ${formatShape(out.shape)}`, span: last.span }] } : {}),
          }),
        );
      }
    }
    if (!m.incomplete && (named === undefined || named.length > 0)) this.warnUnused(named ? named.map((o) => o.value) : out ? [out] : []);
    // A syntax error inside the model (its header included) makes it not ok, too.
    const ok = this.bag.errorCount === this.errorsBefore && !m.incomplete;
    return {
      name: m.name,
      nameSpan: m.nameSpan,
      inputs,
      output: out?.shape ?? null,
      outputValue: out?.id ?? null,
      declaredOutput: declared,
      ...(named ? { outputs: named.map((o) => ({ name: o.name, value: o.value.id, shape: o.value.shape })) } : {}),
      params: this.layers.reduce((s, l) => s + (l.params ?? 0), 0),
      layers: this.layers,
      ok,
      ...(this.labelClasses.size > 0 ? { labels: Object.fromEntries([...this.labelClasses].map(([id, n]) => [inputs[id]!.name, n])) } : {}),
    };
  }

  // --- inputs and shapes -------------------------------------------------------------

  private inputs(frame: Frame): CheckedInput[] {
    const m = this.model;
    if (m.inputs === null) return this.shortHeaderInput(frame);
    const seen = new Set<string>();
    const out: CheckedInput[] = [];
    for (const d of m.inputs) {
      if (seen.has(d.name)) {
        this.bag.add(diagnostic("DuplicateInput", d.nameSpan, [d.name]));
        continue;
      }
      seen.add(d.name);
      this.checkValueName(d.name, d.nameSpan, frame);
      if (d.label) {
        if (d.label.kind !== "label") {
          this.bag.add(diagnostic("WrongValueKind", d.label.kindSpan, [`input ${d.name}`, "a shape such as [3, 64, 64], or label(N) for a class index", `\`${d.label.kind}(...)\``]));
        }
        const n = evaluate(d.label.classes, this.evalCtx(frame));
        if (n !== undefined && (!Number.isInteger(n) || n < 2)) {
          this.bag.add(diagnostic("WrongValueKind", d.label.classes.span, ["the number of classes of a label", "a whole number of at least 2", String(n)]));
        } else if (n !== undefined && d.label.kind === "label") this.labelClasses.set(out.length, n);
        out.push({ name: d.name, shape: [], span: d.nameSpan });
        continue;
      }
      out.push({ name: d.name, shape: this.shape(d.shape, frame), span: d.nameSpan });
    }
    return out;
  }

  /** `G: convT(nz -> ...)`: the input the first layer implies ([IN, 1, 1] before convT, [IN] before linear). */
  private shortHeaderInput(frame: Frame): CheckedInput[] {
    const m = this.model;
    const first = m.body[0]?.items[0];
    const channelsArg =
      first?.kind === "element" ? first.args?.find((a): a is Extract<Arg, { kind: "channels" }> => a.kind === "channels") : undefined;
    const implied = first?.kind === "element" ? layers.get(first.name)?.shortHeaderInput : undefined;
    if (implied && channelsArg) {
      const n = evaluate(channelsArg.from, { scope: frame.scope, bag: null });
      const shape: Shape = n === undefined ? null : implied(n);
      return [{ name: "x", shape, span: m.nameSpan }];
    }
    if (!m.incomplete) {
      const what = first?.kind === "element" ? first.name : first?.kind === "for" ? "a for loop" : "nothing";
      this.bag.add(
        diagnostic("ShortHeaderNoShape", m.headerSpan, [m.name, what], {
          hint: hint("DeclareInput", [`${m.name}(x: [C, H, W]):`]),
        }),
      );
    }
    return [{ name: "x", shape: null, span: m.nameSpan }];
  }

  private shape(s: ShapeExpr, frame: Frame): Shape {
    const dims = s.dims.map((e) => {
      const v = evaluate(e, this.evalCtx(frame));
      if (v === undefined) return null;
      if (!Number.isInteger(v) || v < 1) {
        this.bag.add(diagnostic("BadDimension", e.span, [v]));
        return null;
      }
      return v;
    });
    if (dims.length === 0) {
      this.bag.add(diagnostic("BadDimension", s.span, ["an empty shape"]));
      return null;
    }
    return dims;
  }

  private evalCtx(frame: Frame, quiet = false): EvalContext {
    return {
      scope: frame.scope,
      bag: quiet ? null : this.bag,
      describeUnknown: (name, span) => {
        if (frame.names.has(name)) {
          this.bag.add(diagnostic("ValueNotNumber", span, [name]));
          return true;
        }
        return false;
      },
    };
  }

  // --- statements ----------------------------------------------------------------------

  /**
   * A line ends at the next `name =`, and also where a chain switches to other values: at
   * `cat(...)` or at the name of a value. So `a = relu  b = tanh  cat(a, b) conv(...)`
   * reads as three lines whatever the line breaks, and a binding names what its own line
   * computes. The split is found as the lines run, since a line may use a name that the
   * line before it has just bound.
   */
  private lineEnd(items: readonly ChainItem[], from: number, frame: Frame, binding: string | null): number {
    for (let k = from + 1; k < items.length; k++) {
      const item = items[k]!;
      if (item.kind !== "element") continue;
      if (COMBINERS.has(item.name)) return k;
      if (item.args !== null || layers.has(item.name) || this.blocks.has(item.name)) continue;
      // A value name, including the one this line is about to bind (`a = relu  a tanh`).
      if (frame.names.has(item.name) || item.name === binding) return k;
    }
    return items.length;
  }

  private body(statements: readonly Statement[], start: Value | null, frame: Frame, severalInputs: boolean): Value | null {
    let prev = start;
    const noStart = { reported: false, severalInputs };
    for (const st of statements) {
      if (st.items.length === 0) {
        if (st.binding && prev !== null) this.line({ ...st, items: [] }, prev, frame, noStart);
        continue;
      }
      let from = 0;
      let binding = st.binding;
      while (from < st.items.length) {
        if (this.tooMany) return prev;
        const to = this.lineEnd(st.items, from, frame, binding?.name ?? null);
        const items = st.items.slice(from, to);
        prev = this.line({ binding, items, span: spanOf(items) }, prev, frame, noStart);
        binding = null;
        from = to;
      }
    }
    return prev;
  }

  private line(st: Statement, prev: Value | null, frame: Frame, noStart: { reported: boolean; severalInputs: boolean }): Value | null {
    let cur = prev;
    let i = 0;
    const first = st.items[0];
    if (first?.kind === "element" && COMBINERS.has(first.name)) {
      cur = this.combine(first, frame);
      i = 1;
    } else if (first?.kind === "element" && first.args === null && frame.names.has(first.name) && !layers.has(first.name)) {
      cur = frame.names.get(first.name)!.value;
      i = 1;
      // A line that only names a value (`e3`): the chain continues from it.
      if (st.items.length === 1) this.used.add(cur.id);
    } else if (cur === null && first !== undefined) {
      if (noStart.severalInputs && !noStart.reported && !this.model.incomplete) {
        const names = this.model.inputs?.map((d) => d.name) ?? [];
        this.bag.add(
          diagnostic("SeveralInputs", first.span, [this.model.name], {
            hint: `${hint("StartLine", [names[0] ?? "x"])} (inputs: ${names.join(", ")})`,
          }),
        );
        noStart.reported = true;
      }
      cur = this.unknown();
    } else if (cur !== null && first !== undefined) {
      this.used.add(cur.id);
    }
    for (let j = i; j < st.items.length && cur !== null; j++) {
      cur = this.item(st.items, j, cur, frame);
    }
    if (st.binding) {
      if (frame.inLoop) {
        this.bag.add(diagnostic("BindingInLoop", st.binding.span, [st.binding.name], { hint: hint("LoopBodyChain") }));
      } else if (cur !== null) {
        this.bind(st.binding.name, st.binding.span, cur, frame);
      }
    }
    if (cur !== null && !frame.inLoop && cur !== prev) {
      this.results.push({ value: cur, name: st.binding?.name ?? null, span: st.binding?.span ?? st.span });
    }
    return cur;
  }

  private bind(name: string, span: Span, value: Value, frame: Frame): void {
    if (!this.checkValueName(name, span, frame)) return;
    const existing = frame.names.get(name);
    if (existing) {
      this.bag.add(diagnostic("DuplicateDefinition", span, [name], { notes: [{ message: "first defined here", span: existing.span }] }));
      return;
    }
    frame.names.set(name, { value, span });
    const layer = this.layers.find((l) => l.id === value.id);
    if (layer && layer.name === undefined) layer.name = name;
  }

  /** A value can't take the name of a layer, a block, a model or a parameter. */
  private checkValueName(name: string, span: Span, frame: Frame): boolean {
    let what: string | undefined;
    if (layers.has(name) || COMBINERS.has(name)) what = "a layer";
    else if (this.blocks.has(name)) what = "a block";
    else if (this.models.has(name) && name !== this.model.name) what = "a model";
    else if (frame.scope.lookup(name) !== undefined) what = "a parameter";
    if (what === undefined) return true;
    this.bag.add(diagnostic("NameTaken", span, [name, what], { hint: hint("ChooseAnotherName") }));
    return false;
  }

  private item(items: readonly ChainItem[], j: number, cur: Value, frame: Frame): Value {
    const item = items[j]!;
    if (item.kind === "for") return this.forLoop(item, cur, frame);
    const name = item.name;
    const def = layers.get(name);
    if (def) return this.layer(def, item, cur, frame, items, j);
    const block = this.blocks.get(name);
    if (block) return this.blockCall(block, item, cur, frame);
    const guess = this.unknownElement(item, frame);
    return (guess && this.asIf(guess, item, cur, frame, items, j)) ?? this.unknown();
  }

  /**
   * Reports an unknown layer; returns the layer it is most likely a typo of, when exactly
   * one built-in layer is that close (the checker then goes on as if it were written).
   */
  private unknownElement(item: Element, frame: Frame): LayerDef | undefined {
    const name = item.name;
    let h: string;
    let guess: LayerDef | undefined;
    const foreign = frame.scope.lookup(name) === undefined && !this.models.has(name) && !frame.names.has(name) ? foreignName(name) : undefined;
    if (foreign?.unsupported) {
      this.bag.add(diagnostic("NotSupported", item.nameSpan, [name, foreign.unsupported.what], { hint: foreign.unsupported.instead }));
      return undefined;
    }
    if (frame.scope.lookup(name) !== undefined) h = `\`${name}\` is a parameter, not a layer`;
    else if (this.models.has(name)) h = `\`${name}\` is a model; a model can't be used as a layer of another`;
    else if (foreign?.write) {
      h = foreign.layer ? `the language writes it \`${foreign.write}\`` : `the language writes it as ${foreign.write}`;
      guess = foreign.layer ? layers.get(foreign.layer) : undefined;
    } else {
      const candidates = [...layerNames, ...this.blocks.keys(), ...frame.names.keys()];
      const near = closestAll(name, candidates);
      h = near.length > 0 ? hint("DidYouMean", [near.join("` or `")]) : hint("KnownLayers", [layerNames.join(", ")]);
      if (near.length === 1) guess = layers.get(near[0]!);
    }
    const notes = guess ? [{ message: `the layers after it are checked as if it were \`${guess.name}\``, span: item.span }] : [];
    this.bag.add(diagnostic("UnknownLayer", item.nameSpan, [name], { hint: h, notes }));
    return guess;
  }

  /**
   * The value an unknown layer gives when read as its likely intended layer, so that one
   * typo does not leave every later shape unknown. Nothing is reported about the guess
   * itself: when its arguments or shapes do not fit, the value stays unknown instead.
   */
  private asIf(def: LayerDef, el: Element, cur: Value, frame: Frame, items: readonly ChainItem[], j: number): Value | undefined {
    const scratch = new DiagnosticBag();
    const { args, res } = this.infer(def, el, cur, frame, items, j, scratch);
    if (scratch.errorCount > 0) return undefined;
    return { id: this.nextValue++, shape: res.out, producer: this.producerAfter(def, args, res.attrs, el.span, cur) };
  }

  // --- layers ----------------------------------------------------------------------------

  private layer(def: LayerDef, el: Element, cur: Value, frame: Frame, items: readonly ChainItem[], j: number): Value {
    if (cur.shape !== null && cur.shape.length === 0 && !def.takesLabels) {
      // a class label is a number per example: it becomes a vector first
      this.bag.add(diagnostic("LabelNeedsEmbedding", el.nameSpan, [def.name], { hint: "write embedding(N, D) (a learned vector per class) or onehot before it" }));
      return this.unknown();
    }
    const { args, res } = this.infer(def, el, cur, frame, items, j, this.bag);
    const value = this.push(def.name, [cur.id], cur.shape, res.out, res.params, res.attrs, el.span, frame);
    return { id: value, shape: res.out, producer: this.producerAfter(def, args, res.attrs, el.span, cur) };
  }

  /** Binds a layer's arguments and runs its shape rule, reporting into `bag`. */
  private infer(def: LayerDef, el: Element, cur: Value, frame: Frame, items: readonly ChainItem[], j: number, bag: DiagnosticBag): { args: BoundArgs; res: LayerResult } {
    const args = bindArgs(def, el.args, el.span, this.evalCtx(frame, bag !== this.bag), bag, this.model.incomplete);
    const ctx: LayerContext = {
      op: def.name,
      span: el.span,
      producer: cur.producer,
      report: (key, a, extras) => bag.add(diagnostic(key, extras?.span ?? el.span, a, extras)),
      downstreamChannels: () => this.downstream(items, j, frame),
      ...(this.labelClasses.has(cur.id) ? { labelClasses: this.labelClasses.get(cur.id)! } : {}),
    };
    return { args, res: def.infer(cur.shape, args, ctx) };
  }

  /** What the next layer's messages say its input came from. */
  private producerAfter(def: LayerDef, args: BoundArgs, attrs: Attrs, span: Span, cur: Value): Producer {
    const declares = def.channels === "declares" || (def.channels === "checks" && args.positional.get("channels")?.value !== undefined);
    return declares || def.channels === "other"
      ? { describe: "the previous layer", layer: describe(def.name, attrs), span, declaresChannels: declares }
      : { ...cur.producer, describe: "the previous layer" };
  }

  /** Input channels the layers after position j say they expect (for fix suggestions). */
  private downstream(items: readonly ChainItem[], j: number, frame: Frame): number | undefined {
    for (let k = j + 1; k < items.length; k++) {
      const it = items[k]!;
      if (it.kind !== "element") return undefined;
      const def = layers.get(it.name);
      if (def?.channels === "keeps") continue;
      const channelsArg = it.args?.find((a) => a.kind === "channels");
      if (def?.channels === "declares" && channelsArg?.kind === "channels") {
        return evaluate(channelsArg.from, { scope: frame.scope, bag: null });
      }
      if (def?.channels === "checks") {
        const a = it.args?.[0];
        if (a?.kind === "positional") return evaluate(a.value, { scope: frame.scope, bag: null });
        continue;
      }
      return undefined;
    }
    return undefined;
  }

  private push(
    op: string,
    inputs: readonly number[],
    inShape: Shape,
    out: Shape,
    params: number | undefined,
    attrs: Attrs,
    span: Span,
    frame: Frame,
  ): number {
    for (const i of inputs) this.used.add(i);
    const id = this.nextValue++;
    if (this.layers.length >= MAX_LAYERS_PER_MODEL) {
      if (!this.tooMany) {
        this.tooMany = true;
        this.bag.add(diagnostic("TooManyLayers", this.model.headerSpan, [this.model.name, MAX_LAYERS_PER_MODEL]));
      }
      return id;
    }
    this.layers.push({ id, op, inputs, inShape, out, params, attrs, span, blocks: frame.blocks });
    return id;
  }

  private unknown(): Value {
    return {
      id: this.nextValue++,
      shape: null,
      producer: { describe: "the previous layer", layer: null, span: null, declaresChannels: false },
    };
  }

  // --- cat, add, mul ------------------------------------------------------------------------

  /** cat(a, b, ...) joins channels; add and mul need values of one shape, and keep it. */
  private combine(el: Element, frame: Frame): Value {
    const op = el.name;
    const operands: { name: string; value: Value; span: Span }[] = [];
    let failed = false;
    for (const a of el.args ?? []) {
      if (a.kind !== "positional" || a.value.kind !== "name") {
        this.bag.add(diagnostic("WrongValueKind", a.span, [`each argument of ${op}`, "the name of a value", "something else"]));
        failed = true;
        continue;
      }
      const name = a.value.name;
      const named = frame.names.get(name);
      if (named) {
        operands.push({ name, value: named.value, span: a.span });
        continue;
      }
      failed = true;
      if (frame.scope.lookup(name) !== undefined) {
        this.bag.add(diagnostic("NotAValue", a.span, [name, "a parameter"]));
      } else {
        const near = closest(name, frame.names.keys());
        this.bag.add(diagnostic("UnknownName", a.span, [name], near ? { hint: hint("DidYouMean", [near]) } : { hint: hint("AvailableNames", [[...frame.names.keys()].join(", ") || "none"]) }));
      }
    }
    if (operands.length + (failed ? 1 : 0) < 2) {
      this.bag.add(diagnostic("CatNeedsTwo", el.span, [op, operands.length]));
    }
    const shapes = operands.map((o) => o.value.shape);
    const listing = () => operands.map((o) => `${o.name} is ${formatShape(o.value.shape)}`).join(", ");
    let out: Shape = null;
    if (!failed && operands.length > 0 && shapes.every((s) => s !== null)) {
      const known = shapes as (readonly (number | null)[])[];
      const rank = known[0]?.length ?? 0;
      if (op !== CAT) {
        // add, mul: one shape (no broadcasting: a size that differs is a mistake here)
        if (known.some((s) => !sameShape(s, known[0]!))) this.bag.add(diagnostic("ElementwiseShapeMismatch", el.span, [op, listing()]));
        else out = known[0]!.map((d, i) => d ?? known.find((s) => s[i] !== null)?.[i] ?? null);
      } else if (known.some((s) => s.length !== rank)) {
        this.bag.add(diagnostic("CatSizeMismatch", el.span, [listing()]));
      } else {
        const rest = known[0]!.slice(1);
        const mismatch = known.some((s) => !sameShape(s.slice(1), rest));
        if (mismatch) {
          this.bag.add(diagnostic("CatSizeMismatch", el.span, [listing()]));
        } else {
          const c = known.reduce<number | null>((acc, s) => (acc === null || s[0] === null ? null : acc + (s[0] as number)), 0);
          out = [c, ...rest.map((d, i) => d ?? known.find((s) => s[i + 1] !== null)?.[i + 1] ?? null)];
        }
      }
    }
    const inputs = operands.map((o) => o.value.id);
    const id = this.push(op, inputs, shapes[0] ?? null, out, 0, { dim: 0, operands: operands.map((o) => o.name).join(",") }, el.span, frame);
    return {
      id,
      shape: out,
      producer: { describe: "the previous layer", layer: `${op}(...)`, span: el.span, declaresChannels: false },
    };
  }

  // --- blocks and loops ----------------------------------------------------------------------

  private blockCall(block: BlockDef, el: Element, cur: Value, frame: Frame): Value {
    this.usedBlocks.add(block.name);
    if (frame.blocks.includes(block.name) || frame.blocks.length >= MAX_BLOCK_DEPTH) {
      this.bag.add(diagnostic("RecursiveBlock", el.nameSpan, [block.name, [...frame.blocks, block.name].join(" → ")]));
      return this.unknown();
    }
    const scope = new Scope(this.params.scope);
    const given = el.args ?? [];
    const positional = given.filter((a) => a.kind === "positional");
    const keyword = given.filter((a): a is Extract<Arg, { kind: "keyword" }> => a.kind === "keyword");
    const signature = `${block.name}(${block.params.map((p) => p.name).join(", ")})`;
    let ok = true;
    for (const a of given) {
      if (a.kind === "channels") {
        this.bag.add(diagnostic("UnexpectedArgument", a.span, [`block ${block.name}`, "`IN -> OUT`"], { hint: hint("LayerSignature", [signature]) }));
        ok = false;
      }
    }
    const plural = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
    if (positional.length + keyword.length !== block.params.length || positional.length > block.params.length) {
      this.bag.add(
        diagnostic("BlockArgumentCount", el.span, [block.name, plural(block.params.length), plural(positional.length + keyword.length)], {
          hint: hint("LayerSignature", [signature]),
        }),
      );
      ok = false;
    }
    block.params.forEach((p, i) => {
      const byPos = positional[i];
      const byKey = keyword.find((k) => k.key === p.name);
      const expr = byKey?.value ?? byPos?.value;
      const value = expr === undefined ? undefined : evaluate(expr, this.evalCtx(frame));
      scope.define(p.name, { value, kind: "block parameter", span: p.span });
    });
    for (const k of keyword) {
      if (!block.params.some((p) => p.name === k.key)) {
        const near = closest(k.key, block.params.map((p) => p.name));
        this.bag.add(diagnostic("UnknownKeyword", k.keySpan, [`block ${block.name}`, k.key], near ? { hint: hint("DidYouMean", [near]) } : { hint: hint("LayerSignature", [signature]) }));
        ok = false;
      }
    }
    void ok;
    // The block's body can name what it is given as `input` (a residual: add(input, h)).
    const inner: Frame = { scope, names: new Map([["input", { value: cur, span: el.span }]]), blocks: [...frame.blocks, block.name], inLoop: false };
    const result = this.body(block.body, cur, inner, false);
    return result ?? cur;
  }

  private forLoop(loop: ForLoop, cur: Value, frame: Frame): Value {
    const values = this.range(loop, frame);
    // An unknown number of iterations: nothing is known about what comes out.
    if (values === undefined) return this.unknown();
    let value = cur;
    for (const v of values) {
      if (this.tooMany) break;
      const scope = frame.scope.child();
      if (loop.variable) scope.define(loop.variable, { value: v, kind: "loop variable", span: loop.variableSpan });
      const inner: Frame = { scope, names: frame.names, blocks: frame.blocks, inLoop: true };
      value = this.body(loop.body, value, inner, false) ?? value;
    }
    return value;
  }

  /** The loop variable's values; undefined when they can't be known (already reported). */
  private range(loop: ForLoop, frame: Frame): number[] | undefined {
    const r = loop.range;
    if (r.kind !== "call" || r.callee !== "range" || r.args.length < 1 || r.args.length > 3) {
      if (r.kind !== "missing") this.bag.add(diagnostic("BadRange", r.span, ["write e.g. `for i in range(3) { ... }`"]));
      return undefined;
    }
    const nums = r.args.map((a) => evaluate(a, this.evalCtx(frame)));
    if (nums.some((n) => n === undefined)) return undefined;
    const ints = nums as number[];
    if (ints.some((n) => !Number.isInteger(n))) {
      this.bag.add(diagnostic("BadRange", r.span, ["its bounds must be whole numbers"]));
      return undefined;
    }
    const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
    if (step === 0) {
      this.bag.add(diagnostic("BadRange", r.span, ["its step can't be 0"]));
      return undefined;
    }
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > MAX_LOOP_ITERATIONS) {
      this.bag.add(diagnostic("LoopTooLong", r.span, [n, MAX_LOOP_ITERATIONS]));
      return undefined;
    }
    return Array.from({ length: n }, (_, i) => start + i * step);
  }

  // --- warnings ----------------------------------------------------------------------------

  /** `-> (src: [1], cls: [10])`: each name bound in the body, its shape as declared. */
  private namedOutputs(frame: Frame): { name: string; value: Value }[] {
    const m = this.model;
    const seen = new Set<string>();
    const out: { name: string; value: Value }[] = [];
    const quiet = m.incomplete || this.bag.errorCount !== this.errorsBefore;
    const unnamed = (m.outputs ?? []).filter((d) => d.name === "");
    if (unnamed.length > 0) {
      const suggestion = (m.outputs ?? []).map((d, i) => `${d.name || `out${i}`}${d.shape ? `: ${formatShape(this.shape(d.shape, frame))}` : ""}`).join(", ");
      for (const d of unnamed) this.bag.add(diagnostic("OutputNeedsName", d.span, [m.name], { hint: hint("NameOutputs", [suggestion]) }));
      return [];
    }
    for (const d of m.outputs ?? []) {
      if (seen.has(d.name)) {
        this.bag.add(diagnostic("DuplicateOutput", d.nameSpan, [d.name]));
        continue;
      }
      seen.add(d.name);
      const bound = frame.names.get(d.name);
      if (bound === undefined) {
        if (!quiet) this.bag.add(diagnostic("OutputNotBound", d.nameSpan, [m.name, d.name], { hint: hint("BindOutput", [d.name]) }));
        continue;
      }
      const declared = d.shape ? this.shape(d.shape, frame) : null;
      if (declared !== null && !quiet && !sameShape(declared, bound.value.shape)) {
        this.bag.add(
          diagnostic("DeclaredOutputMismatch", d.shape!.span, [`${m.name} (output \`${d.name}\`)`, formatShape(bound.value.shape), formatShape(declared)], {
            hint: hint("UseNamedOutputDeclared", [d.name, formatShape(bound.value.shape)]),
            notes: [{ message: `\`${d.name}\` is ${formatShape(bound.value.shape)}`, span: bound.span }],
          }),
        );
      }
      out.push({ name: d.name, value: bound.value });
    }
    return out;
  }

  private warnUnused(outs: readonly Value[]): void {
    for (const r of this.results) {
      if (this.used.has(r.value.id) || outs.some((o) => o.id === r.value.id)) continue;
      if (r.name !== null) this.bag.add(diagnostic("UnusedValue", r.span, [r.name], { hint: hint("RemoveOrUse") }));
      else this.bag.add(diagnostic("DeadComputation", r.span, [], { hint: hint("NameTheValue") }));
    }
    // A layer with a bias (conv, convT, linear), directly followed by one that cancels it (bn).
    for (let i = 0; i + 1 < this.layers.length; i++) {
      const a = this.layers[i]!;
      const b = this.layers[i + 1]!;
      const outC = layers.get(a.op)?.cancelledBias?.(a.attrs);
      if (outC !== undefined && layers.get(b.op)?.cancelsBias === true && b.inputs[0] === a.id) {
        this.bag.add(diagnostic("BiasBeforeBatchNorm", a.span, [a.op], { hint: hint("AddNobias", [outC]) }));
      }
    }
  }
}

function spanOf(items: readonly ChainItem[]): Span {
  return { start: items[0]!.span.start, end: items[items.length - 1]!.span.end };
}

function inputProducer(input: CheckedInput): Producer {
  return { describe: `input \`${input.name}\``, layer: null, span: input.span, declaresChannels: true };
}

/** "conv(3 -> 64)", "bn(128)", "relu": how messages name a layer. */
function describe(op: string, attrs: Attrs): string {
  const inC = attrs["inChannels"] ?? attrs["inFeatures"];
  const outC = attrs["outChannels"] ?? attrs["outFeatures"];
  if (typeof inC === "number" && typeof outC === "number") {
    return `${op}(${inC < 0 ? "?" : inC} -> ${outC < 0 ? "?" : outC})`;
  }
  if (typeof attrs["numFeatures"] === "number" && attrs["numFeatures"] >= 0) return `${op}(${attrs["numFeatures"]})`;
  return op;
}
