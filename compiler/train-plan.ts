// Facts about a checked training section that the emitter and the runtime share: how a
// value reads in logs and comments, which models a value runs, which score columns a step
// logs. The types are in contracts/train-plan.ts.
import type { AdamPlan, LrSchedule, StepPlan, TrainBinding, TrainLoss, TrainPlan, TrainValue } from "../contracts/train-plan.ts";

/** How a value reads in logs and generated comments: `D(real)`, `D(cat(L, fake))`. */
export function valueText(v: TrainValue): string {
  switch (v.kind) {
    case "data":
    case "noise":
    case "ref":
      return v.name;
    case "call":
      return `${v.model}(${v.args.map(valueText).join(", ")})`;
    case "cat":
      return `cat(${v.items.map(valueText).join(", ")})`;
    case "output":
      return v.text;
    case "neg":
      return `-${valueText(v.value)}`;
    case "pool":
      return `pool(${valueText(v.value)}, ${v.size})`;
  }
}

/** The models a value runs, directly or through named values. */
export function modelsOf(v: TrainValue, bindings: readonly TrainBinding[]): string[] {
  const out = new Set<string>();
  const visit = (x: TrainValue): void => {
    if (x.kind === "call") {
      out.add(x.model);
      x.args.forEach(visit);
    } else if (x.kind === "cat") x.items.forEach(visit);
    else if (x.kind === "neg") visit(x.value);
    else if (x.kind === "ref" || x.kind === "output") {
      const name = x.kind === "ref" ? x.name : x.of;
      const b = bindings.find((b) => b.name === name);
      if (b) visit(b.value);
    }
  };
  visit(v);
  return [...out];
}

/** The data and noise a value reads, directly or through named values, in order. */
export function inputsOf(v: TrainValue, bindings: readonly TrainBinding[]): string[] {
  const out = new Set<string>();
  const visit = (x: TrainValue): void => {
    if (x.kind === "data" || x.kind === "noise") out.add(x.name);
    else if (x.kind === "call") x.args.forEach(visit);
    else if (x.kind === "cat") x.items.forEach(visit);
    else if (x.kind === "neg" || x.kind === "pool") visit(x.value);
    else {
      const name = x.kind === "ref" ? x.name : x.of;
      const b = bindings.find((y) => y.name === name);
      if (b) visit(b.value);
    }
  };
  visit(v);
  return [...out];
}

/**
 * What the sample grids show: the sample value, the data and noise they read, and for
 * `sample = (A, fake_B, rec_A)` the pictures of a row.
 */
export function samplePlan(plan: TrainPlan): { value: string; reads: string[]; row?: string[]; reference?: string } {
  const names = plan.sampleRow ?? [plan.sample];
  const reads = new Set<string>();
  for (const n of names) {
    const b = plan.bindings.find((x) => x.name === n);
    if (b) inputsOf(b.value, plan.bindings).forEach((r) => reads.add(r));
    else reads.add(n); // a data output
  }
  const reference = sampleReference(plan);
  return { value: plan.sample, reads: [...reads], ...(plan.sampleRow ? { row: [...plan.sampleRow] } : {}), ...(reference ? { reference } : {}) };
}

/**
 * The data the samples imitate, for their quality score: the data output a critic (a model
 * whose output a loss judges) takes in the place of the sample value (D_A(fake_B) and
 * D_A(B): B; D(cat(A, fake_B)) and D(cat(A, B)): B), if there is one.
 */
export function sampleReference(plan: TrainPlan): string | undefined {
  const binding = (name: string) => plan.bindings.find((b) => b.name === name)?.value;
  const modelOf = (v: TrainValue | undefined): string | undefined =>
    v === undefined ? undefined : v.kind === "call" ? v.model : v.kind === "ref" ? modelOf(binding(v.name)) : v.kind === "output" ? modelOf(binding(v.of)) : undefined;
  const critics = new Set<string>();
  const findCritics = (l: TrainLoss): void => {
    if (l.kind === "sum") l.terms.forEach(findCritics);
    else if (l.kind === "scale") findCritics(l.loss);
    else if (l.kind === "loss" && l.fn !== "l1" && l.fn !== "ce") {
      const m = modelOf(l.input);
      if (m !== undefined) critics.add(m);
    }
  };
  plan.steps.forEach((s) => findCritics(s.loss));
  // a place: a critic's argument, or a part of a cat in it ("D/0/1")
  const takes = new Map<string, Set<string>>();
  const put = (place: string, a: TrainValue) => {
    if (!critics.has(place.split("/")[0]!)) return;
    if (a.kind === "ref" || (a.kind === "data" && a.classes === undefined)) {
      if (!takes.has(place)) takes.set(place, new Set());
      takes.get(place)!.add(a.name);
    }
  };
  const visit = (v: TrainValue): void => {
    if (v.kind === "call") {
      v.args.forEach((a, i) => {
        put(`${v.model}/${i}`, a);
        if (a.kind === "cat") a.items.forEach((x, j) => put(`${v.model}/${i}/${j}`, x));
        visit(a);
      });
    } else if (v.kind === "cat") v.items.forEach(visit);
    else if (v.kind === "neg" || v.kind === "pool") visit(v.value);
  };
  const visitLoss = (l: TrainLoss): void => {
    if (l.kind === "sum") l.terms.forEach(visitLoss);
    else if (l.kind === "scale") visitLoss(l.loss);
    else if (l.kind === "loss") {
      visit(l.input);
      if (l.target !== null && typeof l.target !== "number") visit(l.target);
    }
  };
  plan.bindings.forEach((b) => visit(b.value));
  plan.steps.forEach((s) => visitLoss(s.loss));
  for (const names of takes.values()) {
    if (!names.has(plan.sample)) continue;
    const data = plan.data.outputs.find((o) => o.classes === undefined && o.name !== plan.sample && names.has(o.name));
    if (data) return data.name;
  }
  return undefined;
}

/** The score columns a step logs: one per bce / bce_logits term, named `<model>:<input>`, in order. */
export function scoreNames(step: StepPlan): string[] {
  const out: string[] = [];
  const visit = (l: TrainLoss): void => {
    if (l.kind === "sum") l.terms.forEach(visit);
    else if (l.kind === "scale") visit(l.loss);
    else if (l.kind === "loss" && (l.fn === "bce" || l.fn === "bce_logits")) {
      const name = `${step.model}:${valueText(l.input)}`;
      if (!out.includes(name)) out.push(name);
    }
  };
  visit(step.loss);
  return out;
}

/** The optimizer's settings as the runtime takes them (no `kind`). */
export function optimizerSettings(o: AdamPlan): Omit<AdamPlan, "kind"> {
  const { kind: _kind, ...rest } = o;
  return rest;
}

/** `lr constant for 100 epochs, then linear decay to 0 over 100`. */
export function scheduleText(s: LrSchedule): string {
  return s.kind === "linear" ? `lr constant for ${s.keep} epochs, then down to 0 over ${s.decay} more` : `lr times ${s.gamma} every ${s.every} epochs`;
}


/** How a loss reads in logs: `10 * l1(rec_A, A)`, `-mean(D(real))`, `gp(D, real, fake)`. */
export function lossText(l: TrainLoss): string {
  switch (l.kind) {
    case "loss":
      return `${l.fn}(${[valueText(l.input), ...(l.target === null ? [] : [typeof l.target === "number" ? String(l.target) : valueText(l.target)])].join(", ")})`;
    case "penalty":
      return `${l.fn}(${[l.model, valueText(l.real), ...(l.fake ? [valueText(l.fake)] : [])].join(", ")})`;
    case "sum":
      return l.terms.map((t, i) => (i > 0 && t.kind === "scale" && t.factor < 0 ? ` - ${lossText({ ...t, factor: -t.factor })}` : `${i > 0 ? " + " : ""}${lossText(t)}`)).join("");
    case "scale": {
      const inner = l.loss.kind === "sum" ? `(${lossText(l.loss)})` : lossText(l.loss);
      return l.factor === -1 ? `-${inner}` : l.factor === 1 ? inner : `${l.factor} * ${inner}`;
    }
  }
}

/**
 * The loss terms a step logs besides its loss (columns `part_<step>:<term>`): each term of
 * a loss that is a sum, as written (its factor included), in order; none for one term.
 */
export function partNames(step: StepPlan): string[] {
  if (step.loss.kind !== "sum" || step.loss.terms.length < 2) return [];
  const out: string[] = [];
  for (const t of step.loss.terms) {
    const text = lossText(t);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * A step's loss as the emitters write it when it is a sum of terms to log (partNames):
 * each term an expression (`combine`), named with `local` unless it is a name already and
 * declared with `declare`; `terms` the names in order, `parts` each term's text and name,
 * the first of equal texts. Null when the step logs no terms.
 */
export function stepTerms(
  st: StepPlan,
  combine: (l: TrainLoss) => string,
  local: (base: string) => string,
  declare: (name: string, expr: string, text: string) => void,
): { terms: string[]; parts: [string, string][] } | null {
  if (partNames(st).length === 0 || st.loss.kind !== "sum") return null;
  const named = st.loss.terms.map((t, k) => {
    const e = combine(t);
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(e) ? e : local(`term${k + 1}`);
    if (name !== e) declare(name, e, lossText(t));
    return [lossText(t), name] as [string, string];
  });
  const seen = new Set<string>();
  return { terms: named.map(([, n]) => n), parts: named.filter(([text]) => !seen.has(text) && (seen.add(text), true)) };
}
