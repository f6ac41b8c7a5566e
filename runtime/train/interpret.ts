// Runs a training section straight from its checked plan (compiler/train-plan.ts), for
// gan-train on any spec: the same Round calls, in the same order, as the generated
// train.ts module (compiler/emit-train.ts), so both give the same numbers;
// test/train-loop.test.ts checks that, and both against PyTorch.
import * as tf from "@tensorflow/tfjs";
import { modelsOf, type StepPlan, type TrainLoss, type TrainPlan, type TrainValue, valueText } from "../../compiler/train-plan.ts";
import * as F from "../nn/functional.ts";
import type { Round, StepBody, StepFn } from "./round.ts";

/** The score columns a step logs: one per bce / bce_logits term, named `<step>:<input>`. */
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

/** A value of the training section in this round (data, noise, named values, calls). */
export function evaluate(plan: TrainPlan, r: Round, v: TrainValue): tf.Tensor {
  switch (v.kind) {
    case "data":
    case "noise":
      return r.input(v.name);
    case "ref":
      return evaluateValue(plan, r, v.name);
    case "call":
      return r.call(
        v.model,
        v.args.map((a) => evaluate(plan, r, a)),
      );
    case "cat":
      return F.cat(v.items.map((i) => evaluate(plan, r, i)));
  }
}

/** A named value (`fake`), through the round's once-per-round cache. */
export function evaluateValue(plan: TrainPlan, r: Round, name: string): tf.Tensor {
  const b = plan.bindings.find((x) => x.name === name);
  if (b === undefined) throw new Error(`the training section has no value ${name}`);
  return r.value(name, modelsOf(b.value, plan.bindings), () => evaluate(plan, r, b.value));
}

export function interpretSteps(plan: TrainPlan): StepFn[] {
  const evalValue = (r: Round, v: TrainValue): tf.Tensor => evaluate(plan, r, v);
  return plan.steps.map((step): StepFn => ({
    model: step.model,
    repeat: step.repeat,
    run: (r, optimizer) =>
      r.step(step.model, optimizer, (): StepBody => {
        const scores: Record<string, tf.Tensor> = {};
        const evalLoss = (l: TrainLoss): tf.Scalar => {
          switch (l.kind) {
            case "sum":
              return l.terms.map(evalLoss).reduce((a, b) => a.add(b));
            case "scale":
              return evalLoss(l.loss).mul(l.factor);
            case "loss": {
              const x = evalValue(r, l.input);
              const target = typeof l.target === "number" ? l.target : evalValue(r, l.target);
              switch (l.fn) {
                case "bce":
                  scores[`${step.model}:${valueText(l.input)}`] ??= x;
                  return F.bce(x, target);
                case "bce_logits":
                  scores[`${step.model}:${valueText(l.input)}`] ??= tf.sigmoid(x);
                  return F.bceWithLogits(x, target);
                case "l1":
                  return typeof target === "number" ? x.sub(target).abs().mean() : F.l1(x, target);
                case "mse":
                  return F.mse(x, target);
              }
            }
          }
        };
        return { loss: evalLoss(step.loss), scores };
      }),
  }));
}
