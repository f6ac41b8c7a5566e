// The training section's checker: `train:` lines -> a TrainPlan (compiler/train-plan.ts),
// with every name resolved, every model call shape-checked against the model's header,
// and the seed-000 pitfalls caught before anything runs (bce on logits, a double sigmoid,
// a step whose loss cannot move its model). Reports into the same bag as the model checker.
import type { Expr, Span, TrainDef, TrainStatement } from "../grammar/ast.ts";
import type { CheckedModel } from "./check.ts";
import { type DiagnosticBag, diagnostic, hint } from "./diagnostic.ts";
import { evaluate } from "./expr.ts";
import { closest } from "./names.ts";
import { valueText } from "./train-plan.ts";
import type { ParamValues } from "./params.ts";
import { formatShape } from "./shape.ts";
import type { SourceFile } from "./source.ts";
import type { AdamPlan, DataOutput, DataPlan, DataSource, EmaPlan, LossFn, LrSchedule, NoisePlan, StepPlan, TrainBinding, TrainLoss, TrainPlan, TrainValue } from "../contracts/train-plan.ts";

const SETTINGS = new Set(["batch", "epochs", "iters", "sample", "sample_every", "checkpoint_every", "log_every", "eval_every"]);
const DATA_SOURCES = new Set(["mnist", "images", "colour", "color", "unpaired", "paired"]);
const LOSSES = new Set<string>(["bce", "bce_logits", "l1", "mse", "ce", "hinge", "mean", "softplus"]);
/** Losses of one argument. */
const UNARY = new Set<string>(["mean", "softplus"]);
const PENALTIES = new Set<string>(["gp", "r1"]);
/** Every built-in name of the training section (the README's training reference documents each). */
export const BUILTINS: ReadonlySet<string> = new Set<string>([...LOSSES, ...PENALTIES, ...DATA_SOURCES, "lab", "noise", "labels", "pool", "cat", "adam", "step", "optim", "ema", "linear"]);
const FUNCTIONS =
  "data: mnist, images, colour, unpaired, paired, lab(...); noise(...), labels(N), cat(...), pool(x, N), a model call; losses: bce, bce_logits, l1, mse, ce, hinge, mean, softplus; penalties: gp, r1; optimizers: adam";

/** Defaults where the section is silent (the seeds' DCGAN recipe). */
export const TRAIN_DEFAULTS = {
  batch: 64,
  epochs: 1,
  sampleEvery: 500,
  logEvery: 1,
  adam: { kind: "adam", lr: 2e-4, betas: [0.5, 0.999], eps: 1e-8 } as AdamPlan,
};

/** What a name or expression of the section stands for while checking. */
interface Val {
  readonly value: TrainValue;
  /** Models whose parameters this value depends on. */
  readonly deps: ReadonlySet<string>;
  /** Set when the value is a model's output: that model, and whether it ends with sigmoid / softmax. */
  readonly modelOut?: { readonly model: string; readonly sigmoid: boolean; readonly softmax?: boolean };
  /** Set when the value is class labels (shape []): how many classes. */
  readonly classes?: number;
}

interface LossVal {
  readonly loss: TrainLoss;
  readonly deps: ReadonlySet<string>;
}

type Result = { kind: "val"; val: Val } | { kind: "loss"; loss: LossVal } | { kind: "number"; value: number } | { kind: "bad" };

const BAD: Result = { kind: "bad" };

function shapeText(s: readonly number[]): string {
  return formatShape(s);
}

export interface TrainCheckInput {
  readonly sections: readonly TrainDef[];
  readonly models: readonly CheckedModel[];
  readonly params: ParamValues;
  readonly bag: DiagnosticBag;
  readonly source: SourceFile;
}

export function checkTrain(input: TrainCheckInput): TrainPlan | null {
  const [first, ...rest] = input.sections;
  for (const extra of rest) input.bag.add(diagnostic("SecondTrainSection", extra.headerSpan, [], { notes: first ? [{ message: "the first one", span: first.headerSpan }] : [] }));
  if (first === undefined) return null;
  return new TrainChecker(first, input).run();
}

class TrainChecker {
  private readonly bag: DiagnosticBag;
  private readonly models = new Map<string, CheckedModel>();
  private readonly values = new Map<string, { val: Val; span: Span; used: boolean; isData: boolean }>();
  private readonly settings = new Map<string, { expr: Expr; span: Span }>();
  private readonly bindings: TrainBinding[] = [];
  private readonly noise: NoisePlan[] = [];
  private readonly ema: EmaPlan[] = [];
  /** `sample = (A, fake_B, rec_A)`: the pictures of each example's row. */
  private sampleRow: string[] | null = null;
  private data: DataPlan | null = null;
  /** A data line was written (it may have failed): no "missing data" on top of its error. */
  private dataWritten = false;
  /** Names whose definition failed (already reported): using them reports nothing more. */
  private readonly poisoned = new Set<string>();
  private readonly errorsBefore: number;

  constructor(
    private readonly def: TrainDef,
    private readonly input: TrainCheckInput,
  ) {
    this.bag = input.bag;
    this.errorsBefore = input.bag.errorCount;
    for (const m of input.models) if (!this.models.has(m.name)) this.models.set(m.name, m);
  }

  private error(...args: Parameters<typeof diagnostic>): void {
    this.bag.add(diagnostic(...args));
  }

  run(): TrainPlan | null {
    const steps: StepPlan[] = [];
    const stepStatements = this.def.statements.filter((s) => s.kind === "step");
    const optimStatements = this.def.statements.filter((s) => s.kind === "optim");
    for (const st of this.def.statements) if (st.kind === "let") this.let(st);

    // A step's key: its models joined by "+" (`step G_A, G_B` trains both with one optimizer).
    const optimizers = new Map<string, AdamPlan>();
    const stepKeys = stepStatements.map((s) => s.names.map((n) => n.name));
    const sameModels = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
    for (const st of optimStatements) {
      const name = st.names[0]!;
      const unknown = st.names.find((n) => !this.models.has(n.name));
      if (unknown) {
        this.error("NotAModel", unknown.span, ["optim", unknown.name], this.modelHint(unknown.name));
        continue;
      }
      const names = st.names.map((n) => n.name);
      const step = stepKeys.find((k) => sameModels(k, names));
      const key = (step ?? names).join("+");
      if (optimizers.has(key)) {
        this.error("DuplicateStep", name.span, [key, "an optimizer"]);
        continue;
      }
      if (step === undefined) {
        const partly = stepKeys.find((k) => k.some((m) => names.includes(m)));
        if (partly && (partly.length > 1 || names.length > 1)) {
          this.error("OptimModels", name.span, [names.join(", "), `the step trains ${partly.join(", ")}`], { hint: hint("WriteInstead", [`\`optim ${partly.join(", ")} = ...\``]) });
        } else this.error("OptimWithoutStep", name.span, [names.join(", ")], { hint: hint("TrainExample", [`step ${names.join(", ")} = bce(...)`]) });
      }
      const adam = this.optimizer(st.value);
      if (adam) optimizers.set(key, adam);
    }

    const seen = new Set<string>();
    const usedInLosses = new Set<string>();
    for (const st of stepStatements) {
      const name = st.names[0]!;
      const unknown = st.names.find((n) => !this.models.has(n.name));
      if (unknown) {
        this.error("NotAModel", unknown.span, ["step", unknown.name], this.modelHint(unknown.name));
        continue;
      }
      const twice = st.names.find((n, i) => seen.has(n.name) || st.names.findIndex((m) => m.name === n.name) < i);
      if (twice) {
        this.error("DuplicateStep", twice.span, [twice.name, "a step"]);
        continue;
      }
      const models = st.names.map((n) => n.name);
      const key = models.join("+");
      for (const m of models) seen.add(m);
      for (const n of st.names) if (this.models.get(n.name)!.params === 0) this.error("NothingToTrain", n.span, [n.name]);
      let repeat = 1;
      if (st.repeat) {
        const r = this.number(st.repeat);
        if (r !== undefined) {
          if (!Number.isInteger(r) || r < 1) this.error("WrongValueKind", st.repeat.span, [`the repeat count of step ${name.name}`, "a whole number of at least 1", String(r)]);
          else repeat = r;
        }
      }
      const r = this.expr(st.value, true);
      if (r.kind === "bad") continue;
      if (r.kind !== "loss") {
        this.error("NotALoss", st.value.span, [r.kind === "number" ? "a number" : `a tensor of shape ${shapeText(r.val.value.shape)}`], {
          hint: hint("TrainExample", [`step ${name.name} = bce(${name.name}(...), 1)`]),
        });
        continue;
      }
      for (const d of r.loss.deps) usedInLosses.add(d);
      const ignored = models.find((m) => !r.loss.deps.has(m));
      if (ignored !== undefined) {
        this.error("LossIgnoresModel", st.value.span, [ignored]);
        continue;
      }
      steps.push({
        model: key,
        models,
        repeat,
        loss: r.loss.loss,
        text: this.input.source.text.slice(st.value.span.start, st.value.span.end).replace(/\s+/g, " "),
        optimizer: optimizers.get(key) ?? TRAIN_DEFAULTS.adam,
        line: this.input.source.position(st.span.start).line,
      });
    }
    for (const m of this.def.incomplete ? [] : usedInLosses) {
      if (!seen.has(m) && (this.models.get(m)?.params ?? 0) > 0) {
        const span = this.firstCallSpan(m);
        this.bag.add(diagnostic("ModelNotTrained", span ?? this.def.headerSpan, [m]));
      }
    }
    if (stepStatements.length === 0) {
      this.error("TrainMissing", this.def.headerSpan, ["step"], { hint: hint("TrainExample", ["`step D = bce(D(real), 1) + bce(D(G(z)), 0)`"]) });
    }
    if (this.data === null && !this.dataWritten) {
      this.error("TrainMissing", this.def.headerSpan, ["data source"], { hint: hint("TrainExample", ["`real = mnist`, `real = images(size = 64)` or `L, ab = lab(colour(size = 256))`"]) });
    }

    for (const [name, v] of this.def.incomplete ? [] : this.values) {
      if (!v.used && !v.isData) this.bag.add(diagnostic("UnusedValue", v.span, [name], { hint: hint("RemoveOrUse") }));
    }

    const batch = this.intSetting("batch", TRAIN_DEFAULTS.batch, 1);
    const epochsSet = this.settings.get("epochs");
    const itersSet = this.settings.get("iters");
    if (epochsSet && itersSet) this.error("EpochsAndIters", itersSet.span);
    const epochs = itersSet ? null : this.intSetting("epochs", TRAIN_DEFAULTS.epochs, 1);
    const iters = itersSet ? this.intSetting("iters", 1, 1) : null;
    const sampleEvery = this.intSetting("sample_every", TRAIN_DEFAULTS.sampleEvery, 1);
    const checkpointEvery = this.intSetting("checkpoint_every", sampleEvery ?? TRAIN_DEFAULTS.sampleEvery, 1);
    const logEvery = this.intSetting("log_every", TRAIN_DEFAULTS.logEvery, 1);
    // the quality score every N iterations (0: never); unset: with each sample grid
    const evalEvery = this.settings.has("eval_every") ? this.intSetting("eval_every", 0, 0) : null;
    const sample = this.sample(steps);
    for (const st of this.def.statements) if (st.kind === "ema") this.emaLine(st, seen);

    if (this.bag.errorCount > this.errorsBefore || this.def.incomplete) return null;
    if (this.data === null || batch === undefined || sample === undefined || sampleEvery === undefined || checkpointEvery === undefined || logEvery === undefined || evalEvery === undefined) return null;
    return {
      data: this.data,
      noise: this.noise,
      bindings: this.bindings,
      steps,
      batch,
      epochs: epochs ?? null,
      iters: iters ?? null,
      sample,
      sampleEvery,
      checkpointEvery,
      logEvery,
      ...(evalEvery !== null ? { evalEvery } : {}),
      ...(this.ema.length > 0 ? { ema: this.ema } : {}),
      ...(this.sampleRow ? { sampleRow: this.sampleRow } : {}),
    };
  }

  /** `ema G = 0.999`: an averaged copy of G's weights. */
  private emaLine(st: TrainStatement, trained: ReadonlySet<string>): void {
    const name = st.names[0]!;
    if (st.names.length > 1) {
      this.error("WrongValueKind", st.names[1]!.span, ["`ema`", "one model per line", `${st.names.length} models`]);
      return;
    }
    if (!this.models.has(name.name)) {
      this.error("NotAModel", name.span, ["ema", name.name], this.modelHint(name.name));
      return;
    }
    if (this.ema.some((e) => e.model === name.name)) {
      this.error("DuplicateStep", name.span, [name.name, "an average"]);
      return;
    }
    if (!trained.has(name.name)) {
      this.error("EmaWithoutStep", name.span, [name.name]);
      return;
    }
    // `ema G = 0.999`, or `ema G = (0.999, 1000)`: the average starts at iteration 1000 (a copy until then)
    const v = st.value;
    const parts = v.kind === "tuple" ? v.items : [v];
    if (parts.length > 2) {
      this.error("WrongValueKind", v.span, ["an average", "a decay (0.999) or (decay, start), e.g. (0.999, 1000)", this.text(v.span)]);
      return;
    }
    const decay = this.number(parts[0]!);
    if (decay === undefined) return;
    if (!(decay > 0 && decay < 1)) {
      this.error("OutOfRange", parts[0]!.span, ["the decay of an average", "between 0 and 1 (e.g. 0.999)", String(decay)]);
      return;
    }
    const start = parts[1] ? this.number(parts[1]) : 0;
    if (start === undefined) return;
    if (!Number.isInteger(start) || start < 0) {
      this.error("OutOfRange", parts[1]!.span, ["the iteration an average starts at", "a whole number, 0 or more", String(start)]);
      return;
    }
    this.ema.push({ model: name.name, decay, start });
  }

  private modelHint(name: string): { hint?: string } {
    const near = closest(name, this.models.keys());
    return near ? { hint: hint("DidYouMean", [near]) } : { hint: hint("AvailableNames", [[...this.models.keys()].join(", ") || "none"]) };
  }

  private firstCallSpan(model: string): Span | undefined {
    let found: Span | undefined;
    const visit = (e: Expr): void => {
      if (found) return;
      if (e.kind === "call") {
        if (e.callee === model) found = e.calleeSpan;
        e.args.forEach(visit);
        e.keywords.forEach((k) => visit(k.value));
      } else if (e.kind === "binary") {
        visit(e.left);
        visit(e.right);
      } else if (e.kind === "negate") visit(e.operand);
      else if (e.kind === "tuple" || e.kind === "list") e.items.forEach(visit);
    };
    for (const st of this.def.statements) visit(st.value);
    return found;
  }

  // --- lines ---------------------------------------------------------------------------

  private let(st: TrainStatement): void {
    const names = st.names;
    const first = names[0]!;
    if (names.length === 1 && SETTINGS.has(first.name)) {
      if (this.settings.has(first.name)) {
        this.error("DuplicateDefinition", first.span, [first.name], { notes: [{ message: "first set here", span: this.settings.get(first.name)!.span }] });
        return;
      }
      this.settings.set(first.name, { expr: st.value, span: first.span });
      return;
    }
    for (const n of names) {
      const taken = this.taken(n.name);
      if (taken) {
        this.error("NameTaken", n.span, [n.name, taken], { hint: hint("ChooseAnotherName") });
        return;
      }
    }
    const v = st.value;
    const callee = v.kind === "call" ? v.callee : v.kind === "name" ? v.name : "";
    const errors = this.bag.errorCount;
    // A failed line was reported (here or, for unknown shapes, where they became unknown):
    // its names stay quiet from now on instead of being "unknown" at every use.
    const poisonIfFailed = () => {
      void errors;
      for (const n of names) if (!this.values.has(n.name)) this.poisoned.add(n.name);
    };
    if (callee === "lab" || DATA_SOURCES.has(callee)) {
      this.dataWritten = true;
      this.dataLine(st, v);
      poisonIfFailed();
      return;
    }
    this.letValue(st, v);
    poisonIfFailed();
  }

  private letValue(st: TrainStatement, v: Expr): void {
    const names = st.names;
    const first = names[0]!;
    if (v.kind === "call" && v.callee === "noise") {
      if (names.length !== 1) {
        this.error("DataNames", st.span, ["noise(...)", "one tensor", `${names.length} names`]);
        return;
      }
      const shape = this.noiseShape(v);
      if (shape === undefined) return;
      this.noise.push({ name: first.name, shape });
      this.values.set(first.name, { val: { value: { kind: "noise", name: first.name, shape }, deps: new Set() }, span: first.span, used: false, isData: false });
      return;
    }
    if (v.kind === "call" && v.callee === "labels") {
      if (names.length !== 1) {
        this.error("DataNames", st.span, ["labels(...)", "one tensor", `${names.length} names`]);
        return;
      }
      for (const k of v.keywords) this.error("UnknownKeyword", k.keySpan, ["labels", k.key], { hint: "labels(N): N classes, e.g. labels(10)" });
      if (v.args.length !== 1) {
        this.error("MissingArgument", v.span, ["labels", "the number of classes, e.g. labels(10)"]);
        return;
      }
      const classes = this.number(v.args[0]!);
      if (classes === undefined) return;
      if (!Number.isInteger(classes) || classes < 2) {
        this.error("WrongValueKind", v.args[0]!.span, ["the number of classes", "a whole number of at least 2", String(classes)]);
        return;
      }
      this.noise.push({ name: first.name, shape: [], classes });
      const value: TrainValue = { kind: "noise", name: first.name, shape: [], classes };
      this.values.set(first.name, { val: { value, deps: new Set(), classes }, span: first.span, used: false, isData: false });
      return;
    }
    if (v.kind === "call" && v.callee === "pool") {
      if (names.length !== 1) {
        this.error("DataNames", st.span, ["pool(...)", "one tensor", `${names.length} names`]);
        return;
      }
      for (const k of v.keywords) this.error("UnknownKeyword", k.keySpan, ["pool", k.key], { hint: "pool(VALUE, N), e.g. pool(fake, 50)" });
      if (v.args.length !== 2) {
        this.error("MissingArgument", v.span, ["pool", "a value and the pool's size, e.g. pool(fake, 50)"]);
        return;
      }
      const r = this.expr(v.args[0]!, false);
      if (r.kind === "bad") return;
      if (r.kind !== "val" || r.val.classes !== undefined) {
        this.error("NotAValueHere", v.args[0]!.span, [this.text(v.args[0]!.span), r.kind === "val" ? "class labels" : r.kind === "number" ? "a number" : "a loss"], { hint: hint("TrainExample", ["pool(fake, 50)"]) });
        return;
      }
      const size = this.number(v.args[1]!);
      if (size === undefined) return;
      if (!Number.isInteger(size) || size < 0) {
        this.error("WrongValueKind", v.args[1]!.span, ["the pool's size", "a whole number (0: no pool)", String(size)]);
        return;
      }
      const shape = r.val.value.shape;
      this.bindings.push({ name: first.name, value: { kind: "pool", value: r.val.value, size, name: first.name, shape } });
      // Detached: the pool returns tensors of earlier rounds, so no step's gradient goes through it.
      this.values.set(first.name, { val: { value: { kind: "ref", name: first.name, shape }, deps: new Set() }, span: first.span, used: false, isData: false });
      return;
    }
    const several = v.kind === "call" ? this.models.get(v.callee)?.outputs : undefined;
    if (several && v.kind === "call") {
      if (!this.models.get(v.callee)!.ok) {
        this.tensorArgs(v); // its arguments are used; the model's errors are reported there
        return;
      }
      this.severalOutputs(st, v, several);
      return;
    }
    if (names.length !== 1) {
      this.error("DataNames", st.span, ["this line", "one value", `${names.length} names`]);
      return;
    }
    const r = this.expr(v, false);
    if (r.kind === "bad") return;
    if (r.kind !== "val") {
      this.error("NotAValueHere", v.span, [this.text(v.span), r.kind === "number" ? "a number" : "a loss"], {
        hint: r.kind === "loss" ? hint("TrainExample", [`step MODEL = ${this.text(v.span)}`]) : hint("TrainExample", ["`z = noise(nz)` or `fake = G(z)`"]),
      });
      return;
    }
    this.bindings.push({ name: first.name, value: r.val.value });
    const ref: Val = {
      value: { kind: "ref", name: first.name, shape: r.val.value.shape },
      deps: r.val.deps,
      ...(r.val.modelOut ? { modelOut: r.val.modelOut } : {}),
      ...(r.val.classes !== undefined ? { classes: r.val.classes } : {}),
    };
    this.values.set(first.name, { val: ref, span: first.span, used: false, isData: false });
  }

  /** `src, cls = D(x)`: one binding for the call, and one per output it names. */
  private severalOutputs(st: TrainStatement, v: Expr & { kind: "call" }, outputs: NonNullable<CheckedModel["outputs"]>): void {
    const names = st.names;
    const model = this.models.get(v.callee)!;
    const list = outputs.map((o) => o.name).join(", ");
    if (names.length !== outputs.length) {
      this.tensorArgs(v); // its arguments are used
      this.error("DataNames", st.span, [`${model.name}(...)`, `${outputs.length} tensors (${list})`, `${names.length}`], {
        hint: hint("BindOutputs", [list, this.text(v.span)]),
      });
      return;
    }
    const r = this.modelCall(v, model, true);
    if (r.kind !== "val" || r.val.value.kind !== "call") return;
    const call = r.val.value;
    const whole = names.map((n) => n.name).join(", ");
    this.bindings.push({ name: whole, value: call, outputs: names.map((n) => n.name) });
    outputs.forEach((o, i) => {
      const n = names[i]!;
      const shape = o.shape as number[];
      this.bindings.push({ name: n.name, value: { kind: "output", of: whole, index: i, text: `${valueText(call)}.${o.name}`, shape } });
      const layer = model.layers.find((l) => l.id === o.value);
      const ref: Val = { value: { kind: "ref", name: n.name, shape }, deps: r.val.deps, modelOut: { model: `${model.name}'s \`${o.name}\``, sigmoid: layer?.op === "sigmoid", softmax: layer?.op === "softmax" } };
      this.values.set(n.name, { val: ref, span: n.span, used: false, isData: false });
    });
  }

  private taken(name: string): string | undefined {
    if (this.models.has(name)) return "a model";
    if (this.values.has(name)) return "already defined in the training section";
    if (this.input.params.values.has(name)) return "a parameter";
    if (BUILTINS.has(name)) return "a built-in function";
    return undefined;
  }

  private dataLine(st: TrainStatement, v: Expr): void {
    if (this.data !== null) {
      this.error("SecondDataSource", v.span);
      return;
    }
    let lab = false;
    let flip = false;
    let src: Expr = v;
    if (v.kind === "call" && v.callee === "lab") {
      lab = true;
      const args: Expr[] = [];
      for (const a of v.args) {
        if (a.kind === "name" && a.name === "flip") flip = true;
        else args.push(a);
      }
      for (const k of v.keywords) this.error("UnknownKeyword", k.keySpan, ["lab", k.key], { hint: "lab(SOURCE) or lab(SOURCE, flip)" });
      if (args.length !== 1) {
        this.error("MissingArgument", v.span, ["lab", "one picture source, e.g. lab(colour(size = 256))"]);
        return;
      }
      src = args[0]!;
    }
    const source = this.source(src);
    if (source === undefined) return;
    if (source.flip) flip = true;
    const s = source.source;
    const names = st.names;
    if (lab && s.channels !== 3) {
      this.error("LabNeedsColour", src.span, [this.text(src.span), `${s.channels} channel`], { hint: hint("TrainExample", ["lab(images(size = 256))"]) });
      return;
    }
    const picture = [s.channels, s.size, s.size];
    // MNIST with two names: the pictures and their class labels (`real, y = mnist`).
    const labelled = s.kind === "mnist" && !lab && names.length === 2;
    const outputs: DataOutput[] = lab
      ? [
          { name: names[0]?.name ?? "L", shape: [1, s.size, s.size] },
          { name: names[1]?.name ?? "ab", shape: [2, s.size, s.size] },
        ]
      : s.kind === "unpaired" || s.kind === "paired"
        ? [
            { name: names[0]?.name ?? "A", shape: picture },
            { name: names[1]?.name ?? "B", shape: picture },
          ]
        : labelled
          ? [
              { name: names[0]!.name, shape: picture },
              { name: names[1]!.name, shape: [], classes: 10 },
            ]
          : [{ name: names[0]!.name, shape: picture }];
    if (names.length !== outputs.length) {
      const [gives, example] = lab
        ? ["two tensors (L, then ab)", "`L, ab = lab(...)`"]
        : s.kind === "unpaired" || s.kind === "paired"
          ? ["two tensors (a picture of A, one of B)", `\`A, B = ${s.kind}(size = 64)\``]
          : s.kind === "mnist"
            ? ["one tensor, or two with the labels", "`real = mnist` or `real, y = mnist`"]
            : ["one tensor", "`real = images(size = 64)`"];
      this.error("DataNames", st.span, [lab ? "lab(...)" : this.text(src.span), gives, `${names.length}`], { hint: hint("TrainExample", [example]) });
      return;
    }
    const p = this.input.source.position(st.span.start);
    const resize = lab || s.kind === "unpaired" || s.kind === "paired" ? "bicubic-square" : "short-side-crop";
    this.data = { source: s, lab, flip, resize, outputs, line: p.line, col: p.col };
    outputs.forEach((o, i) => {
      const value: TrainValue = { kind: "data", name: o.name, shape: o.shape, ...(o.classes !== undefined ? { classes: o.classes } : {}) };
      this.values.set(o.name, { val: { value, deps: new Set(), ...(o.classes !== undefined ? { classes: o.classes } : {}) }, span: names[i]!.span, used: false, isData: true });
    });
  }

  private source(e: Expr): { source: DataSource; flip: boolean } | undefined {
    const callee = e.kind === "call" ? e.callee : e.kind === "name" ? e.name : "";
    if (!DATA_SOURCES.has(callee)) {
      this.error("WrongValueKind", e.span, ["the data", "mnist, images(...), colour(...), unpaired(...) or paired(...)", this.text(e.span)]);
      return undefined;
    }
    const kind = callee === "color" ? "colour" : (callee as "mnist" | "images" | "colour" | "unpaired" | "paired");
    const allowed: Record<string, readonly string[]> = { mnist: ["size", "channels"], images: ["size", "channels"], colour: ["size", "count"], unpaired: ["size", "load", "count"], paired: ["size", "load", "count"] };
    const values = new Map<string, number>();
    let flip = false;
    if (e.kind === "call") {
      for (const a of e.args) {
        if (a.kind === "name" && a.name === "flip") flip = true;
        else this.error("UnexpectedArgument", a.span, [callee, `\`${this.text(a.span)}\` (its arguments: ${allowed[kind]!.join(", ")} and the flag flip)`]);
      }
      for (const k of e.keywords) {
        if (!allowed[kind]!.includes(k.key)) {
          this.error("UnknownKeyword", k.keySpan, [callee, k.key], { hint: `${callee} takes ${allowed[kind]!.map((a) => `${a} =`).join(", ")} and the flag flip` });
          continue;
        }
        if (values.has(k.key)) {
          this.error("DuplicateArgument", k.keySpan, [k.key]);
          continue;
        }
        const n = this.number(k.value);
        if (n === undefined) return undefined;
        values.set(k.key, n);
      }
    }
    const defaults = { mnist: { size: 28, channels: 1 }, images: { size: 64, channels: 3 }, colour: { size: 64, count: 2000 }, unpaired: { size: 64, count: 1000, load: values.get("size") ?? 64 }, paired: { size: 64, count: 1000, load: values.get("size") ?? 64 } }[kind] as Record<string, number>;
    const get = (key: string, lo: number, hi: number): number | undefined => {
      const v = values.get(key) ?? defaults[key]!;
      if (!Number.isInteger(v) || v < lo || v > hi) {
        const span = e.kind === "call" ? (e.keywords.find((k) => k.key === key)?.value.span ?? e.span) : e.span;
        this.error("WrongValueKind", span, [`${callee}'s ${key}`, `a whole number from ${lo} to ${hi}`, String(v)]);
        return undefined;
      }
      return v;
    };
    const size = get("size", 4, 4096);
    if (size === undefined) return undefined;
    if (kind === "colour") {
      const count = get("count", 1, 1_000_000);
      if (count === undefined) return undefined;
      return { source: { kind, size, channels: 3, count }, flip };
    }
    if (kind === "unpaired" || kind === "paired") {
      const count = get("count", 1, 1_000_000);
      const load = get("load", size, 4096);
      if (count === undefined || load === undefined) return undefined;
      return { source: { kind, size, load, channels: 3, count }, flip };
    }
    const channels = get("channels", 1, 3);
    if (channels === undefined) return undefined;
    if (channels === 2) {
      this.error("WrongValueKind", e.span, [`${callee}'s channels`, "1 (grey) or 3 (RGB)", "2"]);
      return undefined;
    }
    return { source: { kind, size, channels: channels as 1 | 3, channelsGiven: values.has("channels") }, flip };
  }

  private noiseShape(e: Expr & { kind: "call" }): number[] | undefined {
    for (const k of e.keywords) this.error("UnknownKeyword", k.keySpan, ["noise", k.key], { hint: "noise(N) or noise(C, H, W): one sample's shape" });
    const dims = e.args.length === 1 && e.args[0]!.kind === "list" ? e.args[0]!.items : e.args;
    if (dims.length === 0) {
      this.error("MissingArgument", e.span, ["noise", "the shape of one sample, e.g. noise(nz) or noise(nz, 1, 1)"]);
      return undefined;
    }
    const out: number[] = [];
    for (const d of dims) {
      const v = this.number(d);
      if (v === undefined) return undefined;
      if (!Number.isInteger(v) || v < 1) {
        this.error("BadDimension", d.span, [String(v)]);
        return undefined;
      }
      out.push(v);
    }
    return out;
  }

  private optimizer(e: Expr): AdamPlan | undefined {
    if (e.kind !== "call" || e.callee !== "adam") {
      this.error("WrongValueKind", e.span, ["an optimizer", "adam(lr = ..., betas = (..., ...))", this.text(e.span)]);
      return undefined;
    }
    for (const a of e.args) this.error("UnexpectedArgument", a.span, ["adam", "positional arguments (write lr = ..., betas = (b1, b2), eps = ...)"]);
    // PyTorch's defaults for what the call leaves out.
    let lr = 1e-3;
    let betas: [number, number] = [0.9, 0.999];
    let eps = 1e-8;
    let clip: number | undefined;
    let schedule: LrSchedule | undefined;
    const seen = new Set<string>();
    for (const k of e.keywords) {
      if (seen.has(k.key)) {
        this.error("DuplicateArgument", k.keySpan, [k.key]);
        return undefined;
      }
      seen.add(k.key);
      if (k.key === "lr" || k.key === "eps") {
        const v = this.number(k.value);
        if (v === undefined) return undefined;
        if (!(v > 0)) {
          this.error("OutOfRange", k.value.span, [k.key, "greater than 0", String(v)]);
          return undefined;
        }
        if (k.key === "lr") lr = v;
        else eps = v;
      } else if (k.key === "betas") {
        const items = k.value.kind === "tuple" ? k.value.items : null;
        if (items === null || items.length !== 2) {
          this.error("WrongValueKind", k.value.span, ["betas", "a pair (b1, b2)", this.text(k.value.span)]);
          return undefined;
        }
        const b = items.map((i) => this.number(i));
        if (b[0] === undefined || b[1] === undefined) return undefined;
        for (const [i, v] of b.entries()) {
          if (!(v! >= 0 && v! < 1)) {
            this.error("OutOfRange", items[i]!.span, [`beta${i + 1}`, "in [0, 1)", String(v)]);
            return undefined;
          }
        }
        betas = [b[0], b[1]];
      } else if (k.key === "clip") {
        const v = this.number(k.value);
        if (v === undefined) return undefined;
        if (!(v > 0)) {
          this.error("OutOfRange", k.value.span, ["clip", "greater than 0 (e.g. 0.01, the original WGAN's)", String(v)]);
          return undefined;
        }
        clip = v;
      } else if (k.key === "schedule") {
        schedule = this.schedule(k.value);
        if (schedule === undefined) return undefined;
      } else {
        this.error("UnknownKeyword", k.keySpan, ["adam", k.key], { hint: "adam takes lr, betas, eps, clip and schedule" });
        return undefined;
      }
    }
    return { kind: "adam", lr, betas, eps, ...(clip !== undefined ? { clip } : {}), ...(schedule !== undefined ? { schedule } : {}) };
  }

  /** `linear(keep = 100, decay = 100)` or `step(every = 30, gamma = 0.1)`, in epochs. */
  private schedule(e: Expr): LrSchedule | undefined {
    const forms = "linear(keep = EPOCHS, decay = EPOCHS) or step(every = EPOCHS, gamma = FACTOR)";
    if (e.kind !== "call" || (e.callee !== "linear" && e.callee !== "step")) {
      this.error("WrongValueKind", e.span, ["a learning-rate schedule", forms, this.text(e.span)]);
      return undefined;
    }
    for (const a of e.args) this.error("UnexpectedArgument", a.span, [e.callee, `positional arguments (write ${forms})`]);
    const keys = e.callee === "linear" ? ["keep", "decay"] : ["every", "gamma"];
    const got = new Map<string, number>();
    for (const k of e.keywords) {
      if (!keys.includes(k.key)) {
        this.error("UnknownKeyword", k.keySpan, [e.callee, k.key], { hint: forms });
        return undefined;
      }
      const v = this.number(k.value);
      if (v === undefined) return undefined;
      const whole = k.key !== "gamma";
      if (whole ? !Number.isInteger(v) || v < (k.key === "every" || k.key === "decay" ? 1 : 0) : !(v > 0 && v <= 1)) {
        this.error("OutOfRange", k.value.span, [k.key, whole ? `a whole number of epochs${k.key === "keep" ? "" : ", at least 1"}` : "in (0, 1]", String(v)]);
        return undefined;
      }
      got.set(k.key, v);
    }
    const missing = keys.find((k) => !got.has(k));
    if (e.args.length > 0) return undefined;
    if (missing !== undefined) {
      this.error("MissingArgument", e.span, [e.callee, `${missing} = ...: ${forms}`]);
      return undefined;
    }
    return e.callee === "linear" ? { kind: "linear", keep: got.get("keep")!, decay: got.get("decay")! } : { kind: "step", every: got.get("every")!, gamma: got.get("gamma")! };
  }

  private sample(steps: readonly StepPlan[]): string | undefined {
    const set = this.settings.get("sample");
    const isModelValue = (name: string) => this.values.get(name)?.val.modelOut !== undefined;
    if (set) {
      // `sample = fake`, or a row of pictures per example: `sample = (A, fake_B, rec_A)`.
      const e = set.expr;
      const items = e.kind === "tuple" ? e.items : [e];
      const first = items.find((x) => x.kind === "name" && isModelValue(x.name));
      const bad = items.find((x) => x.kind !== "name" || (!isModelValue(x.name) && !this.values.get(x.name)?.isData) || this.values.get(x.name)?.val.classes !== undefined);
      if (first === undefined || bad !== undefined) {
        this.error("BadSample", (bad ?? e).span, [this.text((bad ?? e).span)], { hint: hint("TrainExample", ["`fake = G(z)` then `sample = fake`, or `sample = (A, fake_B, rec_A)`"]) });
        return undefined;
      }
      const names = items.map((x) => (x as Expr & { kind: "name" }).name);
      const shapes = names.map((n) => this.values.get(n)!.val.value.shape);
      const s0 = shapes[0]!;
      const odd = shapes.findIndex((sh) => sh.length !== 3 || sh.length !== s0.length || sh.some((d, i) => d !== s0[i]));
      if (items.length > 1 && odd >= 0) {
        this.error("BadSample", items[odd]!.span, [`${names[odd]} ${shapeText(shapes[odd]!)}, which is not a picture like ${names[0]} ${shapeText(s0)}`], { hint: "a row shows pictures of one shape side by side" });
        return undefined;
      }
      for (const n of names) this.values.get(n)!.used = true;
      if (items.length > 1) this.sampleRow = names;
      return (first as Expr & { kind: "name" }).name;
    }
    // The first named model output that depends on a trained model's parameters.
    const trained = new Set(steps.flatMap((s) => s.models));
    for (const b of this.bindings) {
      const v = this.values.get(b.name)?.val;
      if (v === undefined) continue; // `src, cls = D(x)`: the call itself; its outputs follow
      if (v.modelOut && [...v.deps].some((d) => trained.has(d))) return b.name;
    }
    // Else the first call of a trained model inside another model's call (`D(G(z))`).
    const inline = this.inlineSample(steps, trained);
    if (inline !== undefined) {
      this.bindings.push({ name: "sample", value: inline });
      return "sample";
    }
    if (steps.length > 0 && this.bag.errorCount === this.errorsBefore) this.error("BadSample", this.def.headerSpan, ["nothing"], { hint: hint("TrainExample", ["`fake = G(z)` then `sample = fake`"]) });
    return undefined;
  }

  private inlineSample(steps: readonly StepPlan[], trained: ReadonlySet<string>): TrainValue | undefined {
    let found: TrainValue | undefined;
    const visitValue = (v: TrainValue, inCall: boolean): void => {
      if (found) return;
      if (v.kind === "call") {
        if (inCall && trained.has(v.model)) {
          found = v;
          return;
        }
        v.args.forEach((a) => visitValue(a, true));
      } else if (v.kind === "cat") v.items.forEach((i) => visitValue(i, inCall));
      else if (v.kind === "neg") visitValue(v.value, inCall);
    };
    const visitLoss = (l: TrainLoss): void => {
      if (l.kind === "sum") l.terms.forEach(visitLoss);
      else if (l.kind === "scale") visitLoss(l.loss);
      else if (l.kind === "loss") visitValue(l.input, false);
    };
    steps.forEach((s) => visitLoss(s.loss));
    return found;
  }

  // --- settings and numbers ------------------------------------------------------------

  private number(e: Expr): number | undefined {
    return evaluate(e, { scope: this.input.params.scope, bag: this.bag, realDivision: true });
  }

  private intSetting(name: string, fallback: number, min: number): number | undefined {
    const s = this.settings.get(name);
    if (s === undefined) return fallback;
    const v = this.number(s.expr);
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < min) {
      this.error("WrongValueKind", s.expr.span, [`\`${name}\``, `a whole number of at least ${min}`, String(v)]);
      return undefined;
    }
    return v;
  }

  private text(span: Span): string {
    const t = this.input.source.text.slice(span.start, span.end).replace(/\s+/g, " ");
    return t.length > 40 ? `${t.slice(0, 40)}…` : t;
  }

  // --- expressions ---------------------------------------------------------------------

  private expr(e: Expr, lossAllowed: boolean): Result {
    switch (e.kind) {
      case "missing":
        return BAD;
      case "number":
        return { kind: "number", value: e.value };
      case "negate": {
        const r = this.expr(e.operand, lossAllowed);
        if (r.kind === "bad") return BAD;
        if (r.kind === "loss") return { kind: "loss", loss: { loss: { kind: "scale", factor: -1, loss: r.loss.loss }, deps: r.loss.deps } };
        if (r.kind === "val") {
          if (r.val.classes !== undefined) {
            this.error("NotAValueHere", e.span, [this.text(e.span), "negated class labels"]);
            return BAD;
          }
          return { kind: "val", val: { value: { kind: "neg", value: r.val.value, shape: r.val.value.shape }, deps: r.val.deps } };
        }
        const n = this.number(e);
        return n === undefined ? BAD : { kind: "number", value: n };
      }
      case "name": {
        const v = this.values.get(e.name);
        if (v) {
          v.used = true;
          return { kind: "val", val: v.val };
        }
        if (this.poisoned.has(e.name)) return BAD;
        if (this.input.params.values.has(e.name)) {
          const n = this.number(e);
          return n === undefined ? BAD : { kind: "number", value: n };
        }
        if (this.models.has(e.name)) {
          this.error("NotAValueHere", e.span, [`\`${e.name}\``, "a model"], { hint: hint("TrainExample", [`${e.name}(...)`]) });
          return BAD;
        }
        if (SETTINGS.has(e.name)) {
          this.error("NotAValueHere", e.span, [`\`${e.name}\``, "a setting"]);
          return BAD;
        }
        const near = closest(e.name, [...this.values.keys(), ...this.input.params.values.keys()]);
        this.error("UnknownName", e.span, [e.name], {
          hint: near ? hint("DidYouMean", [near]) : hint("AvailableNames", [[...this.values.keys()].join(", ") || "none (define one with `name = ...`)"]),
        });
        return BAD;
      }
      case "binary":
        return this.binary(e, lossAllowed);
      case "call":
        return this.call(e, lossAllowed);
      case "tuple":
      case "list":
        this.error("WrongValueKind", e.span, ["this", "a tensor, a loss or a number", e.kind === "tuple" ? "a pair" : "a list"]);
        return BAD;
    }
  }

  private binary(e: Expr & { kind: "binary" }, lossAllowed: boolean): Result {
    const a = this.expr(e.left, lossAllowed);
    const b = this.expr(e.right, lossAllowed);
    if (a.kind === "bad" || b.kind === "bad") return BAD;
    if (a.kind === "number" && b.kind === "number") {
      const n = this.number(e);
      return n === undefined ? BAD : { kind: "number", value: n };
    }
    const deps = (x: Result) => (x.kind === "loss" ? x.loss.deps : new Set<string>());
    if ((e.op === "+" || e.op === "-") && a.kind === "loss" && b.kind === "loss") {
      const right: TrainLoss = e.op === "-" ? { kind: "scale", factor: -1, loss: b.loss.loss } : b.loss.loss;
      const terms = [...(a.loss.loss.kind === "sum" ? a.loss.loss.terms : [a.loss.loss]), ...(right.kind === "sum" ? right.terms : [right])];
      return { kind: "loss", loss: { loss: { kind: "sum", terms }, deps: new Set([...deps(a), ...deps(b)]) } };
    }
    if (e.op === "*" && ((a.kind === "number" && b.kind === "loss") || (a.kind === "loss" && b.kind === "number"))) {
      const [n, l] = a.kind === "number" ? [a.value, b as Result & { kind: "loss" }] : [(b as Result & { kind: "number" }).value, a as Result & { kind: "loss" }];
      return { kind: "loss", loss: { loss: { kind: "scale", factor: n, loss: l.loss.loss }, deps: l.loss.deps } };
    }
    if (e.op === "/" && a.kind === "loss" && b.kind === "number") {
      if (b.value === 0) {
        this.error("DivisionByZero", e.span, [this.text(e.left.span)]);
        return BAD;
      }
      return { kind: "loss", loss: { loss: { kind: "scale", factor: 1 / b.value, loss: a.loss.loss }, deps: a.loss.deps } };
    }
    const what = (x: Result) => (x.kind === "loss" ? "a loss" : x.kind === "number" ? "a number" : "a tensor");
    this.error("WrongValueKind", e.span, [`\`${e.op}\` here`, "loss + loss, loss - loss, number * loss or loss / number", `${what(a)} ${e.op} ${what(b)}`]);
    return BAD;
  }

  private call(e: Expr & { kind: "call" }, lossAllowed: boolean): Result {
    const model = this.models.get(e.callee);
    if (model) return this.modelCall(e, model);
    if (e.callee === "cat") return this.cat(e);
    if (LOSSES.has(e.callee) || PENALTIES.has(e.callee)) {
      if (!lossAllowed) {
        this.error("NotAValueHere", e.span, [`${e.callee}(...)`, "a loss"], { hint: hint("TrainExample", [`step MODEL = ${this.text(e.span)}`]) });
        return BAD;
      }
      return PENALTIES.has(e.callee) ? this.penalty(e) : this.loss(e);
    }
    if (e.callee === "noise" || e.callee === "labels" || e.callee === "pool" || e.callee === "lab" || DATA_SOURCES.has(e.callee)) {
      const what = e.callee === "noise" ? "a noise source" : e.callee === "labels" ? "a label source" : e.callee === "pool" ? "a picture pool" : "a data source";
      const example = e.callee === "noise" ? "`z = noise(nz)` on a line of its own, then G(z)" : e.callee === "labels" ? "`c = labels(10)` on a line of its own, then G(z, c)" : e.callee === "pool" ? "`old = pool(fake, 50)` on a line of its own, then D(old)" : "`real = mnist` on a line of its own";
      this.error("NotAValueHere", e.span, [`${e.callee}(...)`, what], { hint: hint("TrainExample", [example]) });
      return BAD;
    }
    const near = closest(e.callee, [...this.models.keys(), ...LOSSES, ...PENALTIES, "cat", "noise", "labels", "pool", "lab", ...DATA_SOURCES]);
    this.error("UnknownFunction", e.calleeSpan, [e.callee], { hint: near ? hint("DidYouMean", [near]) : hint("TrainFunctions", [`${FUNCTIONS}; models: ${[...this.models.keys()].join(", ")}`]) });
    return BAD;
  }

  private tensorArgs(e: Expr & { kind: "call" }): Val[] | undefined {
    for (const k of e.keywords) this.error("UnknownKeyword", k.keySpan, [e.callee, k.key]);
    const out: Val[] = [];
    let bad = false;
    for (const a of e.args) {
      const r = this.expr(a, false);
      if (r.kind === "val") out.push(r.val);
      else {
        if (r.kind === "number") this.error("NotAValueHere", a.span, [this.text(a.span), "a number"]);
        bad = true;
      }
    }
    return bad || e.keywords.length > 0 ? undefined : out;
  }

  private modelCall(e: Expr & { kind: "call" }, model: CheckedModel, several = false): Result {
    const args = this.tensorArgs(e);
    if (args === undefined) return BAD;
    if (model.outputs && !several) {
      if (!model.ok) return BAD; // reported in the model
      const list = model.outputs.map((o) => o.name).join(", ");
      this.error("SeveralOutputs", e.span, [model.name, String(model.outputs.length), list], { hint: hint("BindOutputs", [list, this.text(e.span)]) });
      return BAD;
    }
    if (args.length !== model.inputs.length) {
      const want = model.inputs.map((i) => i.name).join(", ");
      this.error("ModelArity", e.span, [model.name, `${model.inputs.length} input${model.inputs.length === 1 ? "" : "s"} (${want})`, String(args.length)]);
      return BAD;
    }
    let bad = false;
    args.forEach((a, i) => {
      const input = model.inputs[i]!;
      const classes = model.labels?.[input.name];
      if (classes !== undefined || a.classes !== undefined) {
        if (classes === a.classes) return;
        bad = true;
        const span = e.args[i]!.span;
        const want = classes !== undefined ? `class labels of ${classes} classes` : `${shapeText(input.shape as number[])}`;
        const got = a.classes !== undefined ? `labels of ${a.classes} classes from ${this.text(span)}` : `${shapeText(a.value.shape)} from ${this.text(span)}`;
        this.error("LabelsMismatch", span, [model.name, want, input.name, got], classes !== undefined && a.classes === undefined ? { hint: hint("LabelsExample", [classes]) } : {});
        return;
      }
      const want = input.shape;
      if (want === null || want.some((d) => d === null)) return;
      const got = a.value.shape;
      if (want.length === got.length && want.every((d, k) => d === got[k])) return;
      bad = true;
      const span = e.args[i]!.span;
      let fix: string | undefined;
      const numel = (s: readonly (number | null)[]) => s.reduce<number>((x, d) => x * (d ?? 0), 1);
      const producer = a.modelOut?.model;
      if (a.value.kind === "data" && want.length === 3 && got.length === 3 && want[0] !== got[0] && want[1] === got[1]) {
        const src = this.data?.source;
        const convert = src && src.kind !== "colour" ? `write ${src.kind}(..., channels = ${want[0]}) to convert the pictures` : "change the model";
        fix = hint("DataChannels", [got[0]!, model.name, want[0]!, `${convert}, or give ${model.name} ${got[0]} input channels`]);
      } else if (numel(want) === numel(got) && producer) {
        fix = hint("ReshapeModel", [want.join(", "), producer]);
      } else if (numel(want) === numel(got) && want.length === 3) {
        fix = hint("AddReshape", []);
      }
      this.error("TrainShapeMismatch", span, [model.name, shapeText(want as number[]), input.name, `${shapeText(got)} from ${this.text(span)}`], fix ? { hint: fix } : {});
    });
    if (bad || model.output === null || model.output.some((d) => d === null)) return BAD;
    const outLayer = model.layers.find((l) => l.id === model.outputValue);
    const deps = new Set<string>([model.name]);
    for (const a of args) for (const d of a.deps) deps.add(d);
    return {
      kind: "val",
      val: {
        value: {
          kind: "call",
          model: model.name,
          args: args.map((a) => a.value),
          shape: model.output as number[],
          ...(model.outputs ? { outputs: model.outputs.map((o) => ({ name: o.name, shape: o.shape as number[] })) } : {}),
        },
        deps,
        modelOut: { model: model.name, sigmoid: outLayer?.op === "sigmoid" },
      },
    };
  }

  private cat(e: Expr & { kind: "call" }): Result {
    const args = this.tensorArgs(e);
    if (args === undefined) return BAD;
    const label = args.findIndex((a) => a.classes !== undefined);
    if (label >= 0) {
      this.error("NotAValueHere", e.args[label]!.span, [this.text(e.args[label]!.span), "class labels"], { hint: "give the labels to a model that takes them (`y: label(10)`), where `embedding` or `onehot` turns them into vectors" });
      return BAD;
    }
    if (args.length < 2) {
      this.error("CatNeedsTwo", e.span, ["cat", String(args.length)]);
      return BAD;
    }
    const first = args[0]!.value.shape;
    for (const [i, a] of args.entries()) {
      const s = a.value.shape;
      if (s.length !== first.length || s.length < 2 || s.slice(1).some((d, k) => d !== first[k + 1])) {
        this.error("CatSizeMismatch", e.args[i]!.span, [args.map((x) => shapeText(x.value.shape)).join(" and ")]);
        return BAD;
      }
    }
    const shape = [args.reduce((n, a) => n + a.value.shape[0]!, 0), ...first.slice(1)];
    const deps = new Set<string>();
    for (const a of args) for (const d of a.deps) deps.add(d);
    return { kind: "val", val: { value: { kind: "cat", items: args.map((a) => a.value), shape }, deps } };
  }

  private loss(e: Expr & { kind: "call" }): Result {
    const fn = e.callee as LossFn;
    const unary = UNARY.has(fn);
    const form = unary ? `${fn}(INPUT)` : `${fn}(INPUT, TARGET)`;
    for (const k of e.keywords) this.error("UnknownKeyword", k.keySpan, [fn, k.key], { hint: form });
    if (e.args.length !== (unary ? 1 : 2)) {
      const example = { l1: "l1(fake, real)", mse: "mse(D(real), 1)", ce: "ce(cls, y)", hinge: "hinge(D(real), 1)", mean: "mean(D(fake))", softplus: "softplus(-D(fake))" }[fn as string] ?? `${fn}(D(real), 1)`;
      this.error("MissingArgument", e.span, [fn, `${unary ? "one argument" : "two arguments"}: ${form}, e.g. ${example}`]);
      return BAD;
    }
    const a = this.expr(e.args[0]!, false);
    if (a.kind === "bad") return BAD;
    if (a.kind !== "val") {
      this.error("LossNeedsModelOutput", e.args[0]!.span, [fn, a.kind === "number" ? "a number" : "a loss"]);
      return BAD;
    }
    if (a.val.classes !== undefined) {
      this.error("LossNeedsModelOutput", e.args[0]!.span, [fn, "class labels"]);
      return BAD;
    }
    if (unary) return { kind: "loss", loss: { loss: { kind: "loss", fn, input: a.val.value, target: null }, deps: a.val.deps } };
    const b = this.expr(e.args[1]!, false);
    if (b.kind === "bad") return BAD;
    if (fn === "bce" || fn === "bce_logits") {
      const out = a.val.modelOut;
      if (out === undefined) {
        this.error("LossNeedsModelOutput", e.args[0]!.span, [fn, `\`${this.text(e.args[0]!.span)}\``]);
        return BAD;
      }
      if (fn === "bce" && !out.sigmoid) {
        this.error("BceNeedsProbabilities", e.calleeSpan, [out.model], { hint: hint("UseBceLogits", [out.model]) });
        return BAD;
      }
      if (fn === "bce_logits" && out.sigmoid) this.bag.add(diagnostic("DoubleSigmoid", e.calleeSpan, [out.model], { hint: hint("UseBce", [out.model]) }));
    }
    const deps = new Set(a.val.deps);
    if (fn === "ce") {
      const scores = a.val.value.shape;
      const k = scores.length === 1 ? scores[0]! : -1;
      const why =
        b.kind !== "val" || b.val.classes === undefined
          ? "the target must be class labels (`y` of `real, y = mnist`, or `c = labels(N)`)"
          : k !== b.val.classes
            ? `${k < 0 ? "the scores must be one vector per example" : `${k} scores`} for labels of ${b.val.classes} classes`
            : undefined;
      if (why !== undefined) {
        const got = b.kind === "val" ? (b.val.classes !== undefined ? `labels of ${b.val.classes} classes` : shapeText(b.val.value.shape)) : b.kind;
        this.error("CeMismatch", e.span, [`${this.text(e.args[0]!.span)} ${shapeText(scores)}`, `${this.text(e.args[1]!.span)} (${got})`, why]);
        return BAD;
      }
      for (const d of (b as Result & { kind: "val" }).val.deps) deps.add(d);
      return { kind: "loss", loss: { loss: { kind: "loss", fn, input: a.val.value, target: (b as Result & { kind: "val" }).val.value, ...(a.val.modelOut?.softmax ? { probabilities: true } : {}) }, deps } };
    }
    if (fn === "hinge") {
      if (b.kind !== "number" || (b.value !== 1 && b.value !== -1)) {
        this.error("HingeTarget", e.args[1]!.span, [b.kind === "number" ? String(b.value) : this.text(e.args[1]!.span)], { hint: "D's hinge loss: hinge(D(real), 1) + hinge(D(fake), -1); G's: -mean(D(fake))" });
        return BAD;
      }
      return { kind: "loss", loss: { loss: { kind: "loss", fn, input: a.val.value, target: b.value }, deps } };
    }
    let target: TrainValue | number;
    if (b.kind === "number") {
      if ((fn === "bce" || fn === "bce_logits") && !(b.value >= 0 && b.value <= 1)) {
        this.error("LabelOutOfRange", e.args[1]!.span, [fn, String(b.value)], { hint: hint("LabelRange") });
        return BAD;
      }
      target = b.value;
    } else if (b.kind === "val") {
      const sa = a.val.value.shape;
      const sb = b.val.value.shape;
      if (b.val.classes !== undefined || sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
        this.error("LossShapeMismatch", e.span, [fn, `${this.text(e.args[0]!.span)} ${shapeText(sa)}`, `${this.text(e.args[1]!.span)} ${b.val.classes !== undefined ? "(class labels)" : shapeText(sb)}`]);
        return BAD;
      }
      target = b.val.value;
      for (const d of b.val.deps) deps.add(d);
    } else {
      this.error("LossNeedsModelOutput", e.args[1]!.span, [fn, "a loss"]);
      return BAD;
    }
    return { kind: "loss", loss: { loss: { kind: "loss", fn, input: a.val.value, target }, deps } };
  }

  /** `gp(D, real, fake)` and `r1(D, real)`: a critic's gradient penalty. */
  private penalty(e: Expr & { kind: "call" }): Result {
    const fn = e.callee as "gp" | "r1";
    const form = fn === "gp" ? "gp(D, real, fake)" : "r1(D, real)";
    for (const k of e.keywords) this.error("UnknownKeyword", k.keySpan, [fn, k.key], { hint: form });
    const count = fn === "gp" ? 3 : 2;
    if (e.args.length !== count) {
      this.error("MissingArgument", e.span, [fn, `${count} arguments: ${form}`]);
      return BAD;
    }
    const m = e.args[0]!;
    const model = m.kind === "name" ? this.models.get(m.name) : undefined;
    if (model === undefined) {
      this.error("WrongValueKind", m.span, [`${fn}'s first argument`, "a model's name (the critic)", this.text(m.span)], { hint: hint("TrainExample", [form]) });
      return BAD;
    }
    if (!model.ok) return BAD;
    const input = model.inputs[0];
    const why =
      model.inputs.length !== 1
        ? `${model.name} takes ${model.inputs.length} inputs`
        : model.outputs
          ? `${model.name} has ${model.outputs.length} outputs`
          : model.labels !== undefined || input?.shape === null || input?.shape?.length !== 3
            ? `${model.name}'s input is not a picture`
            : undefined;
    if (why !== undefined) {
      this.error("PenaltyModel", m.span, [fn, why]);
      return BAD;
    }
    const want = input!.shape as number[];
    const vals: Val[] = [];
    for (const a of e.args.slice(1)) {
      const r = this.expr(a, false);
      if (r.kind === "bad") return BAD;
      if (r.kind !== "val" || r.val.classes !== undefined) {
        this.error("NotAValueHere", a.span, [this.text(a.span), r.kind === "val" ? "class labels" : r.kind === "number" ? "a number" : "a loss"]);
        return BAD;
      }
      const got = r.val.value.shape;
      if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
        this.error("TrainShapeMismatch", a.span, [model.name, shapeText(want), input!.name, `${shapeText(got)} from ${this.text(a.span)}`]);
        return BAD;
      }
      vals.push(r.val);
    }
    const deps = new Set<string>([model.name]);
    for (const v of vals) for (const d of v.deps) deps.add(d);
    return { kind: "loss", loss: { loss: { kind: "penalty", fn, model: model.name, real: vals[0]!.value, fake: vals[1]?.value ?? null }, deps } };
  }
}
