// TF.js's gradient tape, used where its public API falls short of PyTorch's autograd (the
// engine's internal state in tfjs-core 4.x, checked for shape before use; where it is not
// shaped so, these do nothing and training is unchanged):
//  - a step's record of a named value's computation can be taken off one tape and put on a
//    later one (runtime/train/round.ts: `fake = G(z)` runs once per round);
//  - the backward pass frees memory as it goes: TF.js keeps every node's saved tensors and
//    every intermediate gradient until the whole backward pass has ended, which about
//    doubles its peak; PyTorch frees each as soon as its node's gradient has run.
import * as tf from "@tensorflow/tfjs";

/** A node of the tape (tfjs-core's TapeNode): what is used here. */
export interface TapeNode {
  readonly inputs?: Readonly<Record<string, tf.Tensor>>;
  readonly outputs?: readonly tf.Tensor[];
  readonly saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface TapeState {
  /** The nodes recorded while a gradient is being computed (null outside). */
  activeTape: TapeNode[] | null;
  /** How many gradients are being computed inside one another (1: a plain step). */
  gradientDepth: number;
}

/** Whether steps free memory during their backward pass (tests compare with TF.js's own behaviour). */
export const tapeOptions = { freeDuringBackward: true };

/** The engine's tape, or undefined where TF.js's internals are not as expected. */
function tapeState(): TapeState | undefined {
  const s = (tf.engine() as unknown as { state?: { activeTape?: unknown; gradientDepth?: unknown } }).state;
  if (s === undefined || typeof s.gradientDepth !== "number" || !(s.activeTape === null || Array.isArray(s.activeTape))) return undefined;
  return s as TapeState;
}

/** The tape of the gradient being computed at the top level (not inside another's), if any. */
export function topLevelTape(): TapeNode[] | undefined {
  const s = tapeState();
  return s?.activeTape && s.gradientDepth === 1 ? s.activeTape : undefined;
}

/** Frees the tensors tape nodes saved for their gradients (what TF.js does after a backward pass). */
export function disposeTape(nodes: readonly TapeNode[]): void {
  for (const n of nodes) for (const t of n.saved ?? []) t.dispose();
}

/**
 * Makes the coming backward pass of the top-level gradient free each node's saved tensors
 * and the gradients of its outputs once the node's gradient has run (nothing reads them
 * after: nodes run in reverse order, so every consumer of an output has run before its
 * producer). The same kernels run in the same order, so the results are the same bits.
 * A gradient that is one of the node's output gradients or saved tensors is cloned first
 * (a clone shares the data), so what is freed is never what is passed on. Call at the end
 * of the function being differentiated, when the tape is complete; xs: what it is
 * differentiated with respect to.
 */
export function freeDuringBackward(xs: readonly tf.Tensor[]): void {
  if (!tapeOptions.freeDuringBackward) return;
  // The backward pass runs a node's gradient for its inputs that depend on xs only (TF.js
  // prunes the others: tape.js's getFilteredNodesXToY): the node is done after that many.
  const fromX = new Set(xs.map((x) => x.id));
  for (const node of topLevelTape() ?? []) {
    const gradient = node.gradient;
    const used = Object.values(node.inputs ?? {}).filter((t) => fromX.has(t.id)).length;
    if (used === 0) continue;
    for (const o of node.outputs ?? []) fromX.add(o.id);
    if (gradient === undefined) continue;
    node.gradient = (dys) => {
      const fns = gradient(dys);
      let left = used;
      const given = dys.filter((d): d is tf.Tensor => d !== null);
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [name, fn] of Object.entries(fns)) {
        wrapped[name] = () => {
          let dx = fn();
          if (given.includes(dx) || node.saved?.includes(dx)) dx = dx.clone();
          if (--left === 0) {
            disposeTape([node]);
            for (const d of given) d.dispose();
          }
          return dx;
        };
      }
      return wrapped;
    };
  }
}
