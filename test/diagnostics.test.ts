// Table tests: spec text -> the diagnostics it must produce (code and place), and for some
// rows the exact text as gan-compile prints it. Every code of compiler/diagnostics.ts is
// triggered somewhere in test/ (test/diagnostic-table.test.ts checks that).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { jsonReport } from "../compiler/render.ts";
import { codes, compileText, rendered } from "./helpers.ts";

interface Row {
  readonly name: string;
  readonly spec: string;
  readonly expect: readonly string[];
  readonly set?: Record<string, number>;
}

const rows: Row[] = [
  // --- characters and syntax
  { name: "unexpected character", spec: "G(x: [4, 4, 4]): relu @ tanh", expect: ["GAN0001@1:23"] },
  { name: "look-alike arrow is reported, parse goes on", spec: "G(x: [4, 4, 4]): conv(4 −> 4, k1, nobias) bn", expect: ["GAN0002@1:25"] },
  { name: "look-alike times", spec: "n = 2 × 3\nG(x: [4, 4, 4]): conv(4 -> n, k1)", expect: ["GAN0002@1:7"] },
  { name: "missing colon after header", spec: "G(x: [4, 4, 4]) relu", expect: ["GAN0003@1:17"] },
  { name: "missing comma between arguments", spec: "G(x: [4, 4, 4]): conv(4 -> 4 k1) relu", expect: ["GAN0003@1:30"] },
  { name: "stray closing parenthesis", spec: "G(x: [4, 4, 4]): relu ) tanh", expect: ["GAN0003@1:23"] },
  { name: "nesting too deep", spec: `n = ${"(".repeat(80)}1${")".repeat(80)}\nG(x: [4]): relu`, expect: ["GAN0005@1:69"] },
  { name: "parameter after a model", spec: "G(x: [4]): relu\nn = 3\nH(x: [4]): tanh", expect: ["GAN0006@2:1"] },
  { name: "too many syntax errors", spec: Array.from({ length: 300 }, (_, i) => `M${String(i).padStart(3, "0")}(x: [4]): relu )`).join("\n"), expect: [...Array.from({ length: 200 }, (_, i) => `GAN0003@${i + 1}:20`), "GAN0008@201:1"] },
  { name: "too many diagnostics", spec: `G(x: [4]): ${"rleu ".repeat(1200)}`, expect: [...Array.from({ length: 1000 }, (_, i) => `GAN0202@1:${12 + 5 * i}`), "GAN0508"] },
  { name: "layers before any model", spec: "relu tanh\nG(x: [4]): relu", expect: ["GAN0007@1:1"] },
  { name: "broken model does not hide the next", spec: "G(x: [4, 4, 4]): relu\nH(x: [4, 4, 4]): conv(4 -> 4, k1\nK(x: [4, 4, 4]): conv(3 -> 4, k1)", expect: ["GAN0003@2:33", "GAN0101@3:18"] },
  // --- shapes and layers
  { name: "channel mismatch", spec: "G(x: [3, 8, 8]): conv(3 -> 8, k3, nobias) relu conv(3 -> 4, k3)", expect: ["GAN0101@1:48"] },
  { name: "linear feature mismatch", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3) flatten linear(100 -> 2)", expect: ["GAN0101@1:43"] },
  { name: "bn channels", spec: "G(x: [3]): bn(4)", expect: ["GAN0102@1:12"] },
  { name: "kernel larger than padded input", spec: "G(x: [3, 2, 2]): conv(3 -> 4, k5)", expect: ["GAN0103@1:31"] },
  { name: "convT output too small", spec: "G(x: [3, 2, 1]): convT(3 -> 4, k5, p3)", expect: ["GAN0104@1:36"] },
  { name: "output padding too large", spec: "G(x: [3, 2, 2]): convT(3 -> 4, k3, s2, op2)", expect: ["GAN0105@1:40"] },
  { name: "output padding below dilation is fine", spec: "G(x: [3, 2, 2]): convT(3 -> 4, k3, s1, d3, op2)", expect: [] },
  { name: "declared output", spec: "G(z: [10]) -> [5]: linear(10 -> 4)", expect: ["GAN0106@1:15"] },
  { name: "cat sizes", spec: "G(x: [2, 4, 4]): a = relu  b = upsample(2)  cat(a, b)", expect: ["GAN0107@1:45"] },
  { name: "cat ranks", spec: "G(x: [2, 4, 4]): a = relu  b = flatten  cat(a, b)", expect: ["GAN0107@1:41"] },
  { name: "reshape count", spec: "G(x: [4, 4, 4]): reshape([2, 3])", expect: ["GAN0108@1:18"] },
  { name: "reshape -1 must divide", spec: "G(x: [4, 4, 4]): reshape([-1, 5])", expect: ["GAN0108@1:18"] },
  { name: "linear on an image", spec: "G(x: [3, 8, 8]): linear(192 -> 2)", expect: ["GAN0109@1:18"] },
  { name: "conv on a vector", spec: "G(x: [192]): conv(3 -> 2, k1)", expect: ["GAN0109@1:14"] },
  { name: "short header before conv", spec: "G: conv(3 -> 4, k3)", expect: ["GAN0110@1:1"] },
  { name: "empty model", spec: "G(x: [4, 4, 4]):", expect: ["GAN0111@1:1"] },
  { name: "zero dimension", spec: "G(x: [4, 0, 4]): relu", expect: ["GAN0112@1:10"] },
  { name: "two -1 in reshape", spec: "G(x: [4, 4, 4]): reshape([-1, -1])", expect: ["GAN0113@1:18"] },
  { name: "fractional upsample", spec: "G(x: [4, 4, 4]): upsample(1.5)", expect: ["GAN0205@1:27"] },
  { name: "too many layers", spec: "G(x: [4]): for i in range(400) { for j in range(400) { relu } }", expect: ["GAN0114@1:1"] },
  { name: "cat of one value", spec: "G(x: [4]): cat(x) relu", expect: ["GAN0115@1:12"] },
  // --- names, expressions, arguments
  { name: "unknown name with suggestion", spec: "ngf = 4\nG(x: [3, 8, 8]): conv(3 -> ngg, k3)", expect: ["GAN0504@1:1", "GAN0201@2:28"] },
  { name: "unknown layer", spec: "G(z: [100]): linear(100 -> 10) rleu", expect: ["GAN0202@1:32"] },
  { name: "parameter used as a layer", spec: "ngf = 4\nG(x: [4, 4, 4]): ngf", expect: ["GAN0202@2:18"] },
  { name: "inexact division", spec: "n = 6\nG(x: [3, 8, 8]): conv(3 -> n / 4, k3)", expect: ["GAN0203@2:28"] },
  { name: "division by zero", spec: "n = 6\nG(x: [3, 8, 8]): conv(3 -> n / 0, k3)", expect: ["GAN0204@2:28"] },
  { name: "fractional channels", spec: "G(x: [3, 8, 8]): conv(3 -> 2.5, k3)", expect: ["GAN0205@1:28"] },
  { name: "zero stride", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3, s0)", expect: ["GAN0206@1:35"] },
  { name: "dropout above 1", spec: "G(x: [4, 4, 4]): dropout(1.5)", expect: ["GAN0206@1:26"] },
  { name: "huge literal", spec: "n = 99999999999999999999\nG(x: [n]): relu", expect: ["GAN0207@1:5"] },
  { name: "huge power", spec: "n = 2 ** 80\nG(x: [n]): relu", expect: ["GAN0207@1:5"] },
  { name: "duplicate parameter", spec: "n = 1\nn = 2\nG(x: [n]): relu", expect: ["GAN0208@2:1"] },
  { name: "value named like an input", spec: "G(x: [4, 4, 4]): x = relu", expect: ["GAN0208@1:18"] },
  { name: "argument the layer does not take", spec: "G(z: [100]): linear(100 -> 10) relu(3)", expect: ["GAN0209@1:37"] },
  { name: "output padding on conv", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3, op1)", expect: ["GAN0209@1:35"] },
  { name: "channels on lrelu", spec: "G(x: [4, 4, 4]): lrelu(0.2 -> 3)", expect: ["GAN0209@1:24"] },
  { name: "missing kernel", spec: "G(x: [3, 8, 8]): conv(3 -> 4)", expect: ["GAN0210@1:18"] },
  { name: "missing channels", spec: "G(x: [3, 8, 8]): conv(k3)", expect: ["GAN0210@1:18"] },
  { name: "kernel given twice", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3, k4)", expect: ["GAN0211@1:35"] },
  { name: "unknown keyword", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3, kernel=3)", expect: ["GAN0212@1:35"] },
  { name: "block argument count", spec: "block b(c): conv(c -> c, k1)\nG(x: [4, 4, 4]): b(4, 5)", expect: ["GAN0213@2:18"] },
  { name: "recursive block", spec: "block b(c): b(c)\nG(x: [4, 4, 4]): b(4)", expect: ["GAN0214@1:13"] },
  { name: "parameter in cat", spec: "n = 4\nG(x: [4]): a = relu  cat(a, n)", expect: ["GAN0215@2:29"] },
  { name: "unknown function", spec: "n = sqrt(16)\nG(x: [n]): relu", expect: ["GAN0218@1:5"] },
  { name: "log2 of a non-power", spec: "n = log2(48)\nG(x: [n]): relu", expect: ["GAN0219@1:5"] },
  { name: "value named like a layer", spec: "G(x: [4, 4, 4]): relu = tanh", expect: ["GAN0220@1:18"] },
  { name: "binding inside a loop", spec: "G(x: [4, 4, 4]): for i in range(2) { y = relu }", expect: ["GAN0221@1:38"] },
  { name: "loop too long", spec: "G(x: [4, 4, 4]): for i in range(100000) { relu }", expect: ["GAN0222@1:27"] },
  { name: "pair with three numbers", spec: "G(x: [4, 4, 4]): conv(4 -> 4, k=(3, 5, 1))", expect: ["GAN0223@1:33"] },
  { name: "upsample mode typo", spec: "G(x: [4, 4, 4]): upsample(2, bilinar)", expect: ["GAN0223@1:30"] },
  { name: "two inputs, no start", spec: "G(a: [4, 4, 4], b: [4, 4, 4]): relu", expect: ["GAN0224@1:32"] },
  { name: "bad range", spec: "G(x: [4]): for i in 3 { relu }", expect: ["GAN0225@1:21"] },
  { name: "value used as a number", spec: "G(x: [4]): a = relu  a linear(a -> 2)", expect: ["GAN0226@1:31"] },
  // --- models and blocks
  { name: "duplicate model", spec: "G(x: [4, 4, 4]): relu\nG(y: [4]): relu", expect: ["GAN0301@2:1"] },
  { name: "block named like a layer", spec: "block conv(c): relu\nG(x: [4, 4, 4]): relu", expect: ["GAN0302@1:7"] },
  { name: "duplicate block", spec: "block b: relu\nblock b: tanh\nG(x: [4]): b", expect: ["GAN0303@2:7"] },
  { name: "duplicate input", spec: "G(x: [4], x: [4]): relu", expect: ["GAN0304@1:11"] },
  // --- warnings
  { name: "unused value", spec: "G(x: [4]): a = relu  cat(x, x)", expect: ["GAN0501@1:12"] },
  { name: "bias before bn", spec: "G(x: [4, 4, 4]): conv(4 -> 4, k1) bn relu", expect: ["GAN0502@1:18"] },
  { name: "dead line", spec: "G(x: [4]): relu  cat(x, x)", expect: ["GAN0503@1:12"] },
  { name: "unused parameter", spec: "n = 3\nG(x: [4]): relu", expect: ["GAN0504@1:1"] },
  { name: "no models", spec: "# nothing yet\n", expect: ["GAN0505"] },
  { name: "zero output padding on conv", spec: "G(x: [3, 8, 8]): conv(3 -> 4, k3, op0) conv(4 -> 4, k1, op=0)", expect: ["GAN0507@1:35", "GAN0507@1:57"] },
  { name: "unused block", spec: "block b: relu\nG(x: [4]): tanh", expect: ["GAN0506@1:7"] },
  // --- the command line
  { name: "--set of an unknown parameter", spec: "ngf = 4\nG(x: [ngf]): relu", set: { ndf: 8 }, expect: ["GAN0902"] },
  // --- accepted
  { name: "pairs for kernel and padding", spec: "G(x: [4, 4, 4]): conv(4 -> 4, k=(3, 5), p=(1, 2)) relu", expect: [] },
  { name: "three lines on one line", spec: "G(x: [2, 4, 4]): a = relu  b = tanh  cat(a, b) conv(4 -> 1, k1)", expect: [] },
  { name: "short headers", spec: "G: convT(100 -> 4, k4) tanh\nD: linear(784 -> 1) sigmoid", expect: [] },
];

describe("diagnostics: spec -> codes and places", () => {
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(codes(row.spec, row.set), row.expect);
    });
  }
});

describe("diagnostics: exact text", () => {
  it("channel mismatch names both sides and suggests the fix", () => {
    assert.equal(
      rendered("G(x: [3, 8, 8]):\n    conv(3 -> 64, k3, nobias) relu\n    conv(3 -> 128, k3) bn(128)\n"),
      [
        "t.gan:3:5: error GAN0101: conv(3 -> 128) expects 3 input channels here, but the previous layer outputs 64",
        "    conv(3 -> 128, k3) bn(128)",
        "    ^~~~~~~~~~~~~~~~~~",
        "  hint: write conv(64 -> 128, ...)",
        "t.gan:2:5: note: 64 channels come from here",
        "    conv(3 -> 64, k3, nobias) relu",
        "    ^~~~~~~~~~~~~~~~~~~~~~~~~",
        "t.gan:3:5: warning GAN0502: the bias of this conv is cancelled by the bn after it",
        "    conv(3 -> 128, k3) bn(128)",
        "    ^~~~~~~~~~~~~~~~~~",
        "  hint: add `nobias` (as DCGAN does): 128 parameters that training can't use",
      ].join("\n"),
    );
  });

  it("unknown layer suggests the closest name", () => {
    assert.equal(
      rendered("G(z: [100]): linear(100 -> 10) rleu"),
      [
        "t.gan:1:32: error GAN0202: unknown layer `rleu`",
        "G(z: [100]): linear(100 -> 10) rleu",
        "                               ^~~~",
        "  hint: did you mean `relu`?",
        "t.gan:1:32: note: the layers after it are checked as if it were `relu`",
        "G(z: [100]): linear(100 -> 10) rleu",
        "                               ^~~~",
      ].join("\n"),
    );
  });

  it("after an unknown layer the checking goes on: three planted mistakes in a DCGAN give three errors", () => {
    const spec = readFileSync("test/fixtures/specs/dcgan-three-mistakes.gan", "utf8");
    assert.deepEqual(codes(spec), ["GAN0101@10:5", "GAN0202@16:41", "GAN0103@20:22"]);
    const out = rendered(spec);
    assert.match(out, /note: the layers after it are checked as if it were `lrelu`/);
    assert.match(out, /error GAN0103: conv kernel does not fit: the padded input is 4 x 4 but the dilated kernel is 8 x 8 .*\n.*\n {21}\^~\n {2}hint: the input here is 4 x 4: write k4 \(the largest kernel that fits\), or p2 \(pads it to 8 x 8\)/);
  });

  it("an unknown layer with two equally close names is not guessed; its declared channels still carry on", () => {
    // `conv2` is as close to conv as to convT: nothing is assumed, so the 4 x 4 kernel on an
    // unknown size is not checked, but the next conv still knows its 8 input channels.
    const spec = "G(x: [3, 4, 4]): conv2(3 -> 8, k9) conv(8 -> 8, k3) conv(4 -> 2, k1)";
    assert.deepEqual(codes(spec), ["GAN0202@1:18", "GAN0101@1:53"]);
    assert.match(rendered(spec), /did you mean `conv` or `convT`\?/);
    assert.doesNotMatch(rendered(spec), /checked as if/);
  });

  it("what the language does not have is `not supported`, with the nearest thing, never a misleading guess", () => {
    const spec = "D(x: [3, 8, 8]): logsoftmax convT(3 -> 4, k3, p=same) gelu pixelshuffle conv(4 -> 4, k1, p=valid) prelu";
    const got = codes(spec);
    assert.equal(got.length, 6);
    assert.ok(got.every((c) => c.startsWith("GAN0227@1:")), got.join(" "));
    const out = rendered(spec);
    assert.match(out, /error GAN0227: `logsoftmax` \(log-softmax\) is not supported\n.*\n.*\n {2}hint: softmax, then the log in the loss/);
    assert.match(out, /error GAN0227: `pixelshuffle` \(PixelShuffle\) is not supported\n.*\n.*\n {2}hint: upsample\(2\) followed by a conv does the same job/);
    assert.match(out, /error GAN0227: `p=same` \(padding 'same'\) is not supported\n.*\n.*\n {2}hint: write the padding: p\(K-1\)\/2 for an odd kernel K at stride 1/);
    assert.match(out, /`gelu` \(this activation\) is not supported\n.*\n.*\n {2}hint: the language has relu, lrelu\(A\), tanh and sigmoid/);
    assert.match(out, /`p=valid` \(padding 'valid'\) is not supported\n.*\n.*\n {2}hint: write p0/);
    assert.doesNotMatch(out, /did you mean/);
  });

  it("a PyTorch or Keras name of a layer the language has: how the language writes it, and the check goes on as if it were written", () => {
    const spec = "G(x: [3, 8, 8]): conv(3 -> 4, k3, p1) InstanceNorm2d(4) ReflectionPad2d(1) conv(4 -> 2, k3) BatchNorm2d(3)";
    // (BatchNorm2d(3) on 2 channels: a guess whose arguments do not fit is not used, and not reported)
    assert.deepEqual(codes(spec), ["GAN0202@1:39", "GAN0202@1:57", "GAN0202@1:93"]);
    const out = rendered(spec);
    assert.match(out, /unknown layer `InstanceNorm2d`\n.*\n.*\n {2}hint: the language writes it `inorm or inorm\(C\[, affine\]\[, track\]\)`/);
    assert.match(out, /unknown layer `ReflectionPad2d`\n.*\n.*\n {2}hint: the language writes it `pad\(P, reflect\)`/);
    assert.match(out, /checked as if it were `bn`/);
  });

  it("add and mul take named values of one shape; a block names what it is given `input`", () => {
    assert.deepEqual(codes("G(x: [4, 8, 8]): a = conv(4 -> 4, k3, p1) b = x conv(4 -> 2, k1) add(a, b)"), ["GAN0116@1:66"]);
    assert.match(rendered("G(x: [4, 8, 8]): a = conv(4 -> 4, k3, p1) b = x conv(4 -> 2, k1) add(a, b)"), /add works element by element, so its values must have one shape: a is \[4, 8, 8\], b is \[2, 8, 8\]/);
    assert.deepEqual(codes("G(x: [4, 8, 8]): a = relu mul(a)"), ["GAN0115@1:27"]);
    assert.match(rendered("G(x: [4, 8, 8]): a = relu mul(a)"), /mul needs at least two values, got 1/);
    const residual = compileText("block r(c):\n    h = conv(c -> c, k3, p1) relu\n    add(input, h)\nG(x: [4, 8, 8]) -> [4, 8, 8]: r(4) r(4)");
    assert.deepEqual(residual.diagnostics, []);
    assert.deepEqual(residual.models[0]!.layers.map((l) => l.op), ["conv", "relu", "add", "conv", "relu", "add"]);
  });

  it("class labels: `y: label(N)` goes through embedding or onehot first, and the counts must fit", () => {
    assert.deepEqual(codes("G(y: label(10)) -> [4]: linear(10 -> 4)"), ["GAN0117@1:25"]);
    assert.match(rendered("G(y: label(10)) -> [4]: linear(10 -> 4)"), /error GAN0117: linear can't take a class label \(a whole number per example\)\n.*\n.*\n {2}hint: write embedding\(N, D\)/);
    assert.deepEqual(codes("G(y: label(10)): embedding(5, 3)"), ["GAN0223@1:28"]);
    assert.match(rendered("G(y: label(10)): embedding(5, 3)"), /embedding's number of classes must be at least the label's 10, got 5/);
    assert.deepEqual(codes("G(y: labl(10)): embedding(10, 3)"), ["GAN0223@1:6"]);
    assert.deepEqual(codes("G(x: [4]): embedding(10, 3)"), ["GAN0109@1:12"]);
    assert.deepEqual(codes("G(y: label(1)): onehot"), ["GAN0223@1:12"]);
    const ok = compileText("G(z: [4], y: label(3)) -> [2, 5, 5]:\n    o = y onehot\n    h = z relu\n    y embedding(3, 2) expand(5, 5)");
    assert.deepEqual(ok.diagnostics.filter((d) => d.severity === "error"), []);
  });

  it("several outputs: `-> (src: [1], cls: [10])` names values of the body, each with its shape", () => {
    const text = "D(x: [4]) -> (src: [1], cls: [3]):\n    h = x linear(4 -> 8) relu\n    src = h linear(8 -> 1) sigmoid\n    cls = h linear(8 -> 3) softmax";
    const r = compileText(text);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.models[0]!.outputs!.map((o) => [o.name, o.shape]), [["src", [1]], ["cls", [3]]]);
    assert.deepEqual(r.models[0]!.output, [1]);
    assert.deepEqual(codes("D(x: [4]) -> (src: [2], cls):\n    h = x linear(4 -> 8) relu\n    src = h linear(8 -> 1)\n    cls = h linear(8 -> 3)"), ["GAN0106@1:20"]);
    assert.match(rendered("D(x: [4]) -> (src: [2], cls):\n    h = x linear(4 -> 8) relu\n    src = h linear(8 -> 1)\n    cls = h linear(8 -> 3)"), /D \(output `src`\) outputs \[1\], but its header declares \[2\]\n.*\n.*\n  hint: `src` is \[1\]; change the layers or write `src: \[1\]`/);
    assert.deepEqual(codes("D(x: [4]) -> (src, cls):\n    h = x linear(4 -> 8) relu\n    src = h linear(8 -> 1)"), ["GAN0118@1:20"]);
    assert.match(rendered("D(x: [4]) -> (src, cls):\n    h = x linear(4 -> 8) relu\n    src = h linear(8 -> 1)"), /D declares the output `cls`, but its body never names a value `cls`\n.*\n.*\n  hint: end a line of the body with it: `cls = \.\.\.`/);
    assert.deepEqual(codes("D(x: [4]) -> (src, src):\n    src = x linear(4 -> 1)"), ["GAN0305@1:20"]);
    assert.deepEqual(codes("D(x: [4]) -> ([1], [3]):\n    linear(4 -> 1)"), ["GAN0119@1:15", "GAN0119@1:20"]);
    assert.match(rendered("D(x: [4]) -> ([1], [3]):\n    linear(4 -> 1)"), /D has several outputs, so each needs a name\n.*\n.*\n  hint: write `-> \(out0: \[1\], out1: \[3\]\)` and bind each name/);
    // a short header takes named outputs too; a value computed and never output is still reported
    assert.deepEqual(codes("D -> (a: [2], b: [3]):\n    linear(4 -> 8)\n    h = relu\n    a = h linear(8 -> 2)\n    b = h linear(8 -> 3)\n    c = h linear(8 -> 1)"), ["GAN0501@6:5"]);
  });

  it("conv's p=same: Keras's padding when it splits evenly, else the pad(...) that does it", () => {
    const r = compileText("G(x: [3, 8, 8]): conv(3 -> 4, k3, p=same) conv(4 -> 4, k4, s2, p=same)");
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.models[0]!.layers.map((l) => [l.out, l.attrs["padding"]]), [[[4, 8, 8], [1, 1]], [[4, 4, 4], [1, 1]]]);
    const uneven = "G(x: [3, 8, 8]): conv(3 -> 4, k4, p=same)";
    assert.deepEqual(codes(uneven), ["GAN0227@1:35"]);
    assert.match(rendered(uneven), /`p=same` \(here the padding is uneven: 3 rows and 3 columns\) is not supported\n.*\n.*\n {2}hint: write pad\(\[1, 2, 1, 2\]\) before it and p0/);
    assert.deepEqual(codes("G(x: [3, 8, 8]): convT(3 -> 2, k4, p=same)"), ["GAN0227@1:38"]);
  });

  it("inorm(C) and attention(C) name themselves when C is not what comes in", () => {
    const out = rendered("G(x: [4, 8, 8]): inorm(3) attention(16)");
    assert.match(out, /error GAN0102: inorm\(3\) expects 3 channels, but input `x` has 4\n.*\n.*\n {2}hint: write inorm\(4\) or leave the channels out/);
    assert.match(out, /error GAN0102: attention\(16\) expects 16 channels, but the previous layer outputs 4/);
  });

  it("gain starts at 0 or 1", () => {
    assert.deepEqual(codes("G(x: [4]): gain(0.5)"), ["GAN0223@1:17"]);
    assert.equal(compileText("G(x: [4]): gain(0) scale(2)").models[0]!.params, 1);
  });

  it("`x + h` in a chain says how a residual is written", () => {
    const spec = "G(x: [4, 8, 8]):\n    h = conv(4 -> 4, k3, p1)\n    x + h";
    assert.deepEqual(codes(spec), ["GAN0003@3:7"]);
    assert.match(rendered(spec), /found `\+`\n.*\n.*\n {2}hint: values of a model are not combined with operators: write add\(x, h\) for x \+ h/);
  });

  it("spectral normalisation is the flag `sn`; `spectral_norm` as a layer says so", () => {
    const r = compileText("G(x: [4, 8, 8]): conv(4 -> 4, k3, p1, sn) relu spectral_norm");
    assert.deepEqual(codes("G(x: [4, 8, 8]): conv(4 -> 4, k3, p1, sn) relu spectral_norm"), ["GAN0202@1:48"]);
    assert.match(rendered("G(x: [4, 8, 8]): conv(4 -> 4, k3, p1, sn) relu spectral_norm"), /hint: the language writes it as the flag `sn` of the layer it normalises: conv\(3 -> 64, k4, s2, p1, sn\)/);
    assert.equal(r.models[0]!.params, 4 * 4 * 9 + 4, "weight_orig counts as the weight does");
  });

  it("a guess whose arguments do not fit the guessed layer is not used, and says nothing about them", () => {
    // `lrleu(3 -> 4)` is not an lrelu call: the shape after it stays unknown, no GAN0209.
    assert.deepEqual(codes("G(x: [3, 4, 4]): lrleu(3 -> 4) conv(4 -> 4, k9)"), ["GAN0202@1:18"]);
  });

  it("the fixes of convT's padding and output padding", () => {
    assert.match(rendered("G(x: [3, 2, 1]): convT(3 -> 4, k5, p3)"), /\n {35}\^~\n {2}hint: write p2 or less: with more padding nothing is left of the output/);
    assert.match(rendered("G(x: [3, 2, 2]): convT(3 -> 4, k3, s2, op2)"), /hint: write op1, or raise the stride to s3/);
    assert.match(rendered("G(x: [3, 8, 6]): conv(3 -> 8, k=(4, 9), p1)"), /hint: the input here is 8 x 6 \(10 x 8 with p1\): write k=\(4, 8\) \(the largest kernel that fits\), or p=\(1, 2\) \(pads it to 10 x 10\)/);
  });

  it("PyTorch's kernel rule is quoted", () => {
    assert.match(rendered("G(x: [3, 2, 2]): conv(3 -> 4, k5)"), /padded input is 2 x 2 but the dilated kernel is 5 x 5 \(PyTorch: Kernel size can't be greater than actual input size\)/);
  });

  it("tabs in the source keep the caret aligned", () => {
    const out = rendered("G(x: [3, 8, 8]):\n\tconv(4 -> 4, k3)");
    assert.match(out, /\n\tconv\(4 -> 4, k3\)\n\t\^~~~~~~~~~~~~~~~\n/);
  });

  it("a very long line is shown as a window around the error", () => {
    const out = rendered(`G(x: [4]): ${"relu ".repeat(2000)}rleu`);
    const lines = out.split("\n");
    assert.ok(lines[1]!.length < 200, `shown line has ${lines[1]!.length} characters`);
    assert.equal(lines[1]!.indexOf("rleu"), lines[2]!.indexOf("^"));
  });

  it("an error inside a block called many times is reported once", () => {
    const spec = "block b(c): conv(c -> c, k1, nobias) bn(5)\nG(x: [4, 4, 4]): b(4) b(4) b(4)";
    assert.deepEqual(codes(spec), ["GAN0102@1:38"]);
  });
});

describe("a model whose header does not parse", () => {
  const spec = "G(z: [100, 1, 1]) -> (1, 10):\n    convT(100 -> 64, k4) bn relu\n    convT(64 -> 1, k4, s2, p1) tanh conv(1 -> 1, k9)\n";
  it("is not ok, and its body is still checked", () => {
    const report = jsonReport(compileText(spec)) as { ok: boolean; models: Record<string, { ok: boolean; params: number; layers: unknown[] }> };
    assert.equal(report.ok, false);
    assert.equal(report.models["G"]!.ok, false);
    assert.equal(report.models["G"]!.layers.length, 6);
    assert.deepEqual(codes(spec), ["GAN0003@1:23", "GAN0003@1:26", "GAN0103@3:50"]);
  });

  it("gives no follow-on messages in the training section", () => {
    const train = `${spec.replace(" conv(1 -> 1, k9)", "")}D(x: [1, 8, 8]):\n    conv(1 -> 1, k8) sigmoid\ntrain:\n    real = mnist(size = 8)\n    z = noise(100, 1, 1)\n    fake = G(z)\n    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n`;
    assert.deepEqual(codes(train), ["GAN0003@1:23", "GAN0003@1:26"]);
  });
});
