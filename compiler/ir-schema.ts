// The IR's JSON Schema, built from the layer kinds' own attribute schemas
// (compiler/layers/*.ts: `attrsSchema`), so a new kind brings its rules with it. `npm run
// generate` writes it to compiler/ir.schema.json for readers and other tools (a test keeps
// that file current); compiler/ir-validate.ts checks every IR against it before emission.
import { ops } from "./layers/index.ts";

export function irSchema(): Record<string, unknown> {
  const kinds = [...ops.values()];
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://gan-spec.dev/ir.schema.json",
    title: "gan-spec checked IR",
    description:
      "What gan-compile hands to its emitters (contracts/ir.ts): every model of a spec without errors, its layers in the order they run, with known shapes, attributes and PyTorch state_dict entries.",
    type: "object",
    additionalProperties: false,
    required: ["irVersion", "file", "parameters", "models"],
    properties: {
      irVersion: { const: 1 },
      file: { type: "string" },
      parameters: { type: "object", additionalProperties: { type: "number" } },
      models: { type: "array", items: { $ref: "#/definitions/model" } },
    },
    definitions: {
      name: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      // [] is a class label (one whole number per example)
      shape: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 0, maxItems: 3 },
      init: {
        oneOf: [
          { type: "object", additionalProperties: false, required: ["kind", "mean", "std"], properties: { kind: { const: "normal" }, mean: { type: "number" }, std: { type: "number", minimum: 0 } } },
          { type: "object", additionalProperties: false, required: ["kind", "bound"], properties: { kind: { const: "uniform" }, bound: { type: "number", minimum: 0 } } },
          { type: "object", additionalProperties: false, required: ["kind"], properties: { kind: { enum: ["zeros", "ones", "unit"] } } },
        ],
      },
      state: {
        type: "object",
        additionalProperties: false,
        required: ["key", "name", "shape", "kind", "dtype", "init"],
        properties: {
          // a submodule's state has a dotted local name (attention's `query_conv.weight`)
          key: { type: "string", pattern: "^[0-9]+(\\.[a-z_]+)+$" },
          name: { type: "string", pattern: "^[a-z_]+(\\.[a-z_]+)*$" },
          shape: { type: "array", items: { type: "integer", minimum: 1 }, maxItems: 4 },
          kind: { enum: ["parameter", "buffer"] },
          dtype: { enum: ["F32", "I64"] },
          init: { $ref: "#/definitions/init" },
        },
      },
      layer: {
        type: "object",
        additionalProperties: false,
        required: ["id", "op", "inputs", "inShape", "out", "params", "index", "attrs", "state", "line", "col", "blocks"],
        properties: {
          id: { type: "integer", minimum: 0 },
          op: { enum: kinds.map((k) => k.name) },
          inputs: { type: "array", items: { type: "integer", minimum: 0 }, minItems: 1 },
          inShape: { $ref: "#/definitions/shape" },
          out: { $ref: "#/definitions/shape" },
          params: { type: "integer", minimum: 0 },
          index: { type: ["integer", "null"], minimum: 0 },
          attrs: { type: "object" },
          state: { type: "array", items: { $ref: "#/definitions/state" } },
          line: { type: "integer", minimum: 1 },
          col: { type: "integer", minimum: 1 },
          name: { $ref: "#/definitions/name" },
          blocks: { type: "array", items: { $ref: "#/definitions/name" } },
        },
        allOf: [
          ...kinds
            .filter((k) => Object.keys(k.attrsSchema).length > 0)
            .map((k) => ({ if: { properties: { op: { const: k.name } } }, then: { properties: { attrs: k.attrsSchema } } })),
          { if: { properties: { op: { const: "cat" } } }, then: { properties: { inputs: { minItems: 2 } } } },
        ],
      },
      model: {
        type: "object",
        additionalProperties: false,
        required: ["name", "inputs", "output", "params", "layers"],
        properties: {
          name: { $ref: "#/definitions/name" },
          inputs: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["name", "shape", "value"],
              properties: { name: { $ref: "#/definitions/name" }, shape: { $ref: "#/definitions/shape" }, value: { type: "integer", minimum: 0 }, classes: { type: "integer", minimum: 2 } },
            },
          },
          output: {
            type: "object",
            additionalProperties: false,
            required: ["value", "shape"],
            properties: { value: { type: "integer", minimum: 0 }, shape: { $ref: "#/definitions/shape" } },
          },
          outputs: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["name", "value", "shape"],
              properties: { name: { $ref: "#/definitions/name" }, value: { type: "integer", minimum: 0 }, shape: { $ref: "#/definitions/shape" } },
            },
          },
          params: { type: "integer", minimum: 0 },
          layers: { type: "array", items: { $ref: "#/definitions/layer" } },
        },
      },
    },
  };
}
