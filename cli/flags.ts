// One table per command says what its flags are; from it come the yargs options (parsing
// and --help), the JSON Schema of a --config file, the TypeScript type of the parsed
// values, and the checks yargs does not make (whole numbers, ranges).
import type { Options } from "yargs";
import { CliError } from "./common.ts";

export interface FlagSpec {
  readonly type: "string" | "number" | "boolean";
  readonly description: string;
  /** Repeatable (`--set a=1 --set b=2`); in a --config file an object of numbers. */
  readonly array?: boolean;
  readonly choices?: readonly string[];
  /** number: a whole number of at least `min` (and at most `max`). */
  readonly min?: number;
  readonly max?: number;
  /** Not a setting of a --config file (--config itself, --resume...). */
  readonly commandLineOnly?: boolean;
  readonly default?: string | number | boolean;
  /** Required on the command line. */
  readonly required?: boolean;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

type ValueOf<F extends FlagSpec> = F["array"] extends true ? string[] : F["type"] extends "number" ? number : F["type"] extends "boolean" ? boolean : string;

/** The parsed flags of a table (each one absent when not given). */
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

export function yargsOptions(table: FlagTable): Record<string, Options> {
  return Object.fromEntries(
    Object.entries(table).map(([name, f]) => [
      name,
      {
        type: f.type,
        description: f.description,
        ...(f.array ? { array: true } : {}),
        ...(f.choices ? { choices: [...f.choices] } : {}),
        ...(f.default !== undefined ? { default: f.default } : {}),
        ...(f.required ? { demandOption: true } : {}),
      } satisfies Options,
    ]),
  );
}

/** The JSON Schema of a --config file: the table's settings by their long names. */
export function configSchema(table: FlagTable): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(table)) {
    if (f.commandLineOnly) continue;
    if (f.array) properties[name] = { type: "object", additionalProperties: { type: "number" } };
    else if (f.choices) properties[name] = { enum: [...f.choices] };
    else if (f.type === "number") properties[name] = { type: "integer", ...(f.min !== undefined ? { minimum: f.min } : {}), ...(f.max !== undefined ? { maximum: f.max } : {}) };
    else if (f.type === "string") properties[name] = { type: "string", minLength: 1 };
    else properties[name] = { type: "boolean" };
  }
  return { type: "object", additionalProperties: false, properties };
}

/** The checks yargs does not make: number flags are whole and within their range (GAN0907). */
export function checkFlags<T extends FlagTable>(table: T, values: FlagValues<T>): void {
  for (const [name, f] of Object.entries(table)) {
    const v = (values as Record<string, unknown>)[name];
    if (f.type !== "number" || v === undefined || (f.min === undefined && f.max === undefined)) continue;
    const n = v as number;
    if (!Number.isInteger(n) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
      const range = f.max !== undefined ? `a whole number from ${f.min ?? 0} to ${f.max}` : `a whole number of at least ${f.min}`;
      throw new CliError("BadFlag", [`--${name}`, String(n), range]);
    }
  }
}
