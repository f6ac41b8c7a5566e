// Facts about a checked training section that the emitter and the runtime share: how a
// value reads in logs and comments, which models a value runs, which score columns a step
// logs. The types are in contracts/train-plan.ts.
import type { StepPlan, TrainBinding, TrainLoss, TrainValue } from "../contracts/train-plan.ts";

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
    else {
      const name = x.kind === "ref" ? x.name : x.of;
      const b = bindings.find((y) => y.name === name);
      if (b) visit(b.value);
    }
  };
  visit(v);
  return [...out];
}

/** The score columns a step logs: one per bce / bce_logits term, named `<model>:<input>`, in order. */
export function scoreNames(step: StepPlan): string[] {
  const out: string[] = [];
  const visit = (l: TrainLoss): void => {
    if (l.kind === "sum") l.terms.forEach(visit);
    else if (l.kind === "scale") visit(l.loss);
    else if (l.fn === "bce" || l.fn === "bce_logits") {
      const name = `${step.model}:${valueText(l.input)}`;
      if (!out.includes(name)) out.push(name);
    }
  };
  visit(step.loss);
  return out;
}
