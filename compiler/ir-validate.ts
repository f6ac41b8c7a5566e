// Validates an IR value against its schema (compiler/ir-schema.ts, ajv). The emitter calls
// this first: a malformed IR is an internal error with the schema's own words, not a crash
// deep inside emission.
import { Ajv } from "ajv";
import { irSchema } from "./ir-schema.ts";
import type { IrSpec } from "../contracts/ir.ts";

let validator: ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;

export class InvalidIrError extends Error {}

export function validateIr(value: unknown): IrSpec {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(irSchema());
  if (!validator(value)) {
    const errors = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
    throw new InvalidIrError(`malformed IR: ${errors.join("; ")}`);
  }
  return value as IrSpec;
}
