// The checked IR: every spec's IR satisfies compiler/ir.schema.json; the emitter refuses a
// malformed IR with the schema's words; state_dict keys follow nn.Sequential numbering.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compile } from "../compiler/compile.ts";
import { emitTypeScript } from "../compiler/emit-ts.ts";
import { irSchemaText } from "../compiler/generate.ts";
import { buildIr } from "../compiler/ir.ts";
import type { IrSpec } from "../contracts/ir.ts";
import { InvalidIrError, validateIr } from "../compiler/ir-validate.ts";

function ir(path: string, set: Record<string, number> = {}): IrSpec {
  return buildIr(compile(readFileSync(new URL(`../${path}`, import.meta.url), "utf8"), path, { overrides: new Map(Object.entries(set)) }));
}

describe("IR", () => {
  it("every spec's IR is valid against the schema", () => {
    for (const spec of ["specs/mnist-gan.gan", "specs/dcgan.gan", "specs/pix2pix.gan"]) {
      validateIr(JSON.parse(JSON.stringify(ir(spec))));
    }
  });

  it("keys count PyTorch modules only: the MLP D's flatten gets no index", () => {
    const d = ir("specs/mnist-gan.gan").models.find((m) => m.name === "D")!;
    assert.equal(d.layers[0]!.op, "flatten");
    assert.equal(d.layers[0]!.index, null);
    assert.deepEqual(d.layers[1]!.state.map((s) => s.key), ["0.weight", "0.bias"]);
    const g = ir("specs/dcgan.gan").models.find((m) => m.name === "G")!;
    assert.deepEqual(g.layers[1]!.state.map((s) => `${s.key}:${s.kind}:${s.dtype}`), [
      "1.weight:parameter:F32",
      "1.bias:parameter:F32",
      "1.running_mean:buffer:F32",
      "1.running_var:buffer:F32",
      "1.num_batches_tracked:buffer:I64",
    ]);
  });

  it("the emitter rejects a malformed IR with the schema's words", () => {
    const good = JSON.parse(JSON.stringify(ir("specs/dcgan.gan"))) as { models: { layers: { attrs: Record<string, unknown> }[] }[] };
    delete good.models[0]!.layers[0]!.attrs["kernel"];
    assert.throws(() => emitTypeScript(good as unknown as IrSpec, { runtime: "../../runtime" }, false), (e: unknown) => e instanceof InvalidIrError && /kernel/.test(e.message));
    assert.throws(() => validateIr({ irVersion: 2 }), InvalidIrError);
  });

  it("compiler/ir.schema.json is the schema the layer kinds make (npm run generate writes it)", () => {
    assert.equal(readFileSync(new URL("../compiler/ir.schema.json", import.meta.url), "utf8"), irSchemaText(), "stale: run npm run generate");
  });

  it("refuses to build from a spec with errors", () => {
    assert.throws(() => ir("specs/errors/pix2pix-seed003-d.gan"), /errors/);
  });
});
