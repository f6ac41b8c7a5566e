// One home per layer kind: each kind's compiler module (compiler/layers/*.ts) says how it is
// emitted, and what it names exists in the runtime (runtime/nn/index.ts); a runtime layer's
// state is what its kind's state() says, in the same order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ops } from "../compiler/layers/index.ts";
import * as nn from "../runtime/nn/index.ts";
import { Rng } from "../runtime/random.ts";

describe("layer kinds", () => {
  for (const def of ops.values()) {
    it(`${def.name}: what it is emitted as exists in the runtime`, () => {
      const form = def.ts;
      const names = form.kind === "call" ? [form.fn({ dims: [4] }, [4])] : [form.cls];
      for (const n of names) assert.equal(typeof (nn as Record<string, unknown>)[n], "function", `runtime/nn/index.ts has no ${n}`);
    });
  }

  it("a runtime layer holds exactly its kind's state, in order", () => {
    const cases: [string, Record<string, unknown>, (c: never) => nn.Layer][] = [
      ["conv", { inChannels: 3, outChannels: 4, kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], bias: true }, (c) => new nn.Conv2d(c, new Rng(1))],
      ["convT", { inChannels: 3, outChannels: 4, kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], outputPadding: [0, 0], bias: false }, (c) => new nn.ConvTranspose2d(c, new Rng(1))],
      ["linear", { inFeatures: 5, outFeatures: 2, bias: true }, (c) => new nn.Linear(c, new Rng(1))],
      ["bn", { numFeatures: 6, eps: 1e-5, momentum: 0.1 }, (c) => new nn.BatchNorm(c, new Rng(1))],
      ["inorm", { numFeatures: 6, eps: 1e-5, momentum: 0.1, affine: true, track: true }, (c) => new nn.InstanceNorm(c, new Rng(1))],
      ["inorm", { numFeatures: 6, eps: 1e-5, momentum: 0.1, affine: false, track: false }, (c) => new nn.InstanceNorm(c, new Rng(1))],
      ["gn", { groups: 2, numChannels: 6, eps: 1e-5 }, (c) => new nn.GroupNorm(c, new Rng(1))],
      ["ln", { shape: [6, 4, 4], eps: 1e-5 }, (c) => new nn.LayerNorm(c, new Rng(1))],
    ];
    for (const [op, config, make] of cases) {
      const layer = make(config as never);
      const want = ops.get(op)!.state(config as never);
      assert.deepEqual(
        layer.stateEntries().map((e) => [e.name, e.variable.shape, e.kind, e.dtype, e.init]),
        want.map((s) => [s.name, [...s.shape], s.kind, s.dtype, s.init]),
        op,
      );
      for (const e of layer.stateEntries()) e.variable.dispose();
    }
  });
});
