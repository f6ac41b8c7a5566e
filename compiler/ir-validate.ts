// Validates an IR value against compiler/ir.schema.json (ajv). The emitter calls this
// first: a malformed IR is an internal error with the schema's own words, not a crash deep
// inside emission.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import type { IrSpec } from "./ir.ts";

const schema = JSON.parse(readFileSync(new URL("./ir.schema.json", import.meta.url), "utf8")) as object;
let validator: ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;

export class InvalidIrError extends Error {}

export function validateIr(value: unknown): IrSpec {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validator(value)) {
    const errors = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
    throw new InvalidIrError(`malformed IR: ${errors.join("; ")}`);
  }
  return value as IrSpec;
}
