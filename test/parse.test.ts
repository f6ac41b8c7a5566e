// The grammar stage on its own: text -> AST (+ syntax problems), recovery, spans.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Element, Statement } from "../grammar/ast.ts";
import { parse } from "../grammar/parse.ts";

const text = `# comment
nz = 100   # trailing comment
ngf = 64
block up(cin, cout): convT(cin -> cout, k4, s2, p1, nobias) bn relu
G(z: [nz, 1, 1]) -> [3, 64, 64]:
    convT(nz → ngf*8, k=(4, 4), s1, p0) bn relu
    e = up(ngf*8, ngf)
    for i in range(2) { relu }
    cat(e, e) reshape([-1, 2]) upsample(2, bilinear)
D: linear(784 -> 1) sigmoid
`;

function elements(st: Statement): string[] {
  return st.items.map((i) => (i.kind === "element" ? i.name : "for"));
}

describe("parse", () => {
  it("builds the AST of a spec with parameters, a block, two models", () => {
    const { spec, problems } = parse(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(spec.params.map((p) => p.name), ["nz", "ngf"]);
    assert.deepEqual(spec.blocks.map((b) => [b.name, b.params.map((p) => p.name)]), [["up", ["cin", "cout"]]]);
    const [g, d] = spec.models;
    assert.equal(g!.name, "G");
    assert.deepEqual(g!.inputs!.map((i) => i.name), ["z"]);
    assert.equal(g!.output!.dims.length, 3);
    assert.deepEqual(g!.body.map((s) => [s.binding?.name ?? null, elements(s)]), [
      [null, ["convT", "bn", "relu"]],
      ["e", ["up", "for", "cat", "reshape", "upsample"]],
    ]);
    assert.equal(d!.inputs, null, "short header");
    const convT = g!.body[0]!.items[0] as Element;
    assert.deepEqual(convT.args!.map((a) => a.kind), ["channels", "keyword", "positional", "positional"]);
  });

  it("keeps source ranges: every element's span is its text", () => {
    const { spec } = parse(text);
    const convT = spec.models[0]!.body[0]!.items[0] as Element;
    assert.equal(text.slice(convT.span.start, convT.span.end), "convT(nz → ngf*8, k=(4, 4), s1, p0)");
    assert.equal(text.slice(convT.nameSpan.start, convT.nameSpan.end), "convT");
  });

  it("one missing token gives one problem and still the whole model", () => {
    const broken = "G(x: [4, 4, 4]):\n    conv(4 -> 8, k3 s1) relu\n    conv(8 -> 8, k3) tanh\n";
    const { spec, problems } = parse(broken);
    assert.equal(problems.length, 1);
    assert.deepEqual(elements(spec.models[0]!.body[0]!), ["conv", "relu", "conv", "tanh"]);
  });

  it("an unclosed bracket does not swallow the models after it", () => {
    const broken = "A(x: [4]): linear(4 -> 2\nB(x: [4]): relu\nC(x: [4]): tanh\n";
    const { spec, problems } = parse(broken);
    assert.deepEqual(spec.models.map((m) => m.name), ["A", "B", "C"]);
    assert.equal(problems.length, 1);
    assert.deepEqual(spec.models.map((m) => m.incomplete), [true, false, false]);
  });

  it("CRLF, CR and a byte-order mark parse like LF", () => {
    const lf = parse(text).spec;
    for (const variant of [text.replace(/\n/g, "\r\n"), `\ufeff${text}`, text.replace(/\n/g, "\r")]) {
      const r = parse(variant);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.spec.models.map((m) => m.body.map(elements)), lf.models.map((m) => m.body.map(elements)));
    }
  });

  it("a thousand-line spec parses without problems", () => {
    const lines = ["G(x: [8]):"];
    for (let i = 0; i < 1000; i++) lines.push(`    linear(8 -> 8) lrelu(0.2)   # layer ${i}`);
    const r = parse(lines.join("\n"));
    assert.deepEqual(r.problems, []);
    assert.equal(r.spec.models[0]!.body[0]!.items.length, 2000);
  });
});
