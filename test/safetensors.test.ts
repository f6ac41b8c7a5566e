// safetensors: round trip, dtypes, the reference files, and clear errors on bad input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { readSafetensors, SafetensorsError, writeSafetensors } from "../runtime/io/safetensors.ts";

describe("safetensors", () => {
  it("round-trips F32 and I64 tensors, in order", () => {
    const a = { name: "w", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-7, -0]) };
    const b = { name: "n", shape: [], data: Float32Array.from([7]), dtype: "I64" as const };
    const back = readSafetensors(writeSafetensors([a, b], { format: "pt" }));
    assert.deepEqual(back.map((t) => t.name), ["w", "n"]);
    assert.deepEqual([...back[0]!.data], [...a.data]);
    assert.deepEqual(back[0]!.shape, [2, 3]);
    assert.deepEqual([...back[1]!.data], [7]);
    assert.equal(back[1]!.dtype, "I64");
  });

  it("header and data offsets follow the format (8-byte aligned data)", () => {
    const bytes = writeSafetensors([{ name: "x", shape: [1], data: Float32Array.from([2]) }]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    assert.deepEqual(header.x, { dtype: "F32", shape: [1], data_offsets: [0, 4] });
  });

  it("reads F16, BF16, F64, I32, U8", () => {
    const header = JSON.stringify({
      h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
      b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
      d: { dtype: "F64", shape: [1], data_offsets: [8, 16] },
      i: { dtype: "I32", shape: [1], data_offsets: [16, 20] },
      u: { dtype: "U8", shape: [1], data_offsets: [20, 21] },
    });
    const head = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + head.length + 21);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    const at = 8 + head.length;
    v.setUint16(at, 0x3c00, true); // 1.0
    v.setUint16(at + 2, 0xc000, true); // -2.0
    v.setUint16(at + 4, 0x3fc0, true); // bf16 1.5
    v.setFloat64(at + 8, 0.25, true);
    v.setInt32(at + 16, -3, true);
    v.setUint8(at + 20, 200);
    const t = readSafetensors(bytes);
    assert.deepEqual(t.map((x) => [...x.data]), [[1, -2], [1.5], [0.25], [-3], [200]]);
  });

  it("reads the PyTorch reference files", () => {
    const file = new URL("./fixtures/reference/layer_cases.safetensors", import.meta.url);
    const t = readSafetensors(readFileSync(file));
    assert.ok(t.some((x) => x.name === "bn.weight" && x.shape[0] === 5));
  });

  it("rejects what is not a safetensors file", () => {
    assert.throws(() => readSafetensors(new Uint8Array([1, 2, 3])), SafetensorsError);
    assert.throws(() => readSafetensors(new TextEncoder().encode("not a safetensors file at all")), SafetensorsError);
  });
});
