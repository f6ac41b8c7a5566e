// The safetensors format (no maintained JS package): an 8-byte little-endian header
// length, a JSON header `name -> {dtype, shape, data_offsets}` (plus an optional
// `__metadata__` of strings), then the raw little-endian tensor data. Reading accepts
// every numeric dtype PyTorch writes and converts to float32 (I64 through BigInt);
// writing uses F32, and I64 for tensors marked as integer (num_batches_tracked).
import { closeSync, openSync, readSync } from "node:fs";

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** Stored as I64 when written (PyTorch's num_batches_tracked); default F32. */
  readonly dtype?: "F32" | "I64";
}

export class SafetensorsError extends Error {}

const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function f16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Tensors in the order the header lists them (the order PyTorch's state_dict had). */
export function readSafetensors(bytes: Uint8Array, what = "file"): NamedTensor[] {
  if (bytes.byteLength < 8) throw new SafetensorsError(`${what} is not a safetensors file: too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.byteLength) throw new SafetensorsError(`${what} is not a safetensors file: bad header length ${n}`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new SafetensorsError(`${what} is not a safetensors file: its header is not JSON`);
  }
  const base = 8 + n;
  const out: NamedTensor[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const size = SIZES[info?.dtype];
    if (size === undefined) throw new SafetensorsError(`${what}: tensor ${name} has unsupported dtype ${String(info?.dtype)}`);
    const [start, end] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * size || base + end > bytes.byteLength) {
      throw new SafetensorsError(`${what}: tensor ${name} (${info.dtype} ${JSON.stringify(info.shape)}) has bad data offsets`);
    }
    const at = base + start;
    if (info.dtype === "F32") {
      // One copy (also aligns the data): the common case, and checkpoints are large.
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + count * 4));
      if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
        out.push({ name, shape: info.shape, data });
        continue;
      }
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const o = at + i * size;
      switch (info.dtype) {
        case "F32": data[i] = view.getFloat32(o, true); break;
        case "F64": data[i] = view.getFloat64(o, true); break;
        case "F16": data[i] = f16(view.getUint16(o, true)); break;
        case "BF16": data[i] = new Float32Array(new Uint32Array([view.getUint16(o, true) << 16]).buffer)[0]!; break;
        case "I64": data[i] = Number(view.getBigInt64(o, true)); break;
        case "I32": data[i] = view.getInt32(o, true); break;
        case "I16": data[i] = view.getInt16(o, true); break;
        case "I8": data[i] = view.getInt8(o); break;
        default: data[i] = view.getUint8(o); break;
      }
    }
    out.push({ name, shape: info.shape, data, ...(info.dtype === "I64" ? { dtype: "I64" as const } : {}) });
  }
  return out;
}

/** The `__metadata__` strings of a safetensors file ({} when it has none). */
export function readSafetensorsMetadata(bytes: Uint8Array, what = "file"): Record<string, string> {
  if (bytes.byteLength < 8) throw new SafetensorsError(`${what} is not a safetensors file: too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.byteLength) throw new SafetensorsError(`${what} is not a safetensors file: bad header length ${n}`);
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
    const meta = header["__metadata__"];
    return meta && typeof meta === "object" ? (meta as Record<string, string>) : {};
  } catch {
    throw new SafetensorsError(`${what} is not a safetensors file: its header is not JSON`);
  }
}

/** The metadata of a safetensors file, reading only its header (not the tensors). */
export function readSafetensorsMetadataFile(path: string): Record<string, string> {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(8);
    if (readSync(fd, head, 0, 8, 0) < 8) throw new SafetensorsError(`${path} is not a safetensors file: too short`);
    const n = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (n <= 0 || n > 100_000_000) throw new SafetensorsError(`${path} is not a safetensors file: bad header length ${n}`);
    const bytes = new Uint8Array(8 + n);
    bytes.set(head);
    if (readSync(fd, bytes, 8, n, 8) < n) throw new SafetensorsError(`${path} is not a safetensors file: bad header length ${n}`);
    return readSafetensorsMetadata(bytes, path);
  } finally {
    closeSync(fd);
  }
}

export function writeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header["__metadata__"] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = (t.dtype === "I64" ? 8 : 4) * t.data.length;
    header[t.name] = { dtype: t.dtype ?? "F32", shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8); // align the data to 8 bytes
  const head = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + head.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  bytes.set(head, 8);
  let at = 8 + head.length;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const t of tensors) {
    if (t.dtype !== "I64" && littleEndian) {
      bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
      at += t.data.byteLength;
      continue;
    }
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === "I64") {
        view.setBigInt64(at, BigInt(Math.round(t.data[i]!)), true);
        at += 8;
      } else {
        view.setFloat32(at, t.data[i]!, true);
        at += 4;
      }
    }
  }
  return bytes;
}
