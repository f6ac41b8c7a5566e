import { codes, rendered } from "../test/helpers.ts";
const zoo = "nz = 8\nG(z: [nz], y: label(10)) -> [1, 4, 4]:\n    e = y embedding(10, 4)\n    cat(z, e) linear(nz + 4 -> 16) tanh reshape([1, 4, 4])\nD(x: [1, 4, 4], y: label(10)) -> [1]:\n    e = y embedding(10, 16)\n    f = x flatten\n    cat(f, e) linear(32 -> 1)\nP(x: [1, 4, 4]) -> [1]:\n    flatten linear(16 -> 1)\nC(x: [1, 4, 4]) -> [10]:\n    flatten linear(16 -> 10)\nE(x: [1, 4, 4]) -> [1, 4, 4]:\n    flatten linear(16 -> 16) tanh reshape([1, 4, 4])\ntrain:\n";
const good = "    real, y = mnist(size = 4)\n    z = noise(nz)\n    c = labels(10)\n    fake = G(z, c)\n";
const rows: [string, string][] = [
  ["ok", good + "    step D = bce_logits(D(real, y), 1) + bce_logits(D(fake, c), 0)\n    step G = bce_logits(D(fake, c), 1)\n"],
  ["labels mismatch", good + "    step D = bce_logits(D(real, z), 1) + bce_logits(D(fake, c), 0)\n    step G = bce_logits(D(fake, real), 1)\n"],
  ["penalty model", good + "    step D = bce_logits(D(real, y), 1) + gp(D, real, fake)\n    step G = bce_logits(D(fake, c), 1)\n"],
  ["optim models", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G, E = -mean(P(E(fake)))\n    optim G = adam(lr = 1e-3)\n"],
  ["ema without step", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n    ema E = 0.99\n"],
  ["hinge target", good + "    step P = hinge(P(real), 0) + hinge(P(fake), -1)\n    step G = -mean(P(fake))\n"],
  ["ce mismatch", good + "    step C = ce(C(real), z) + ce(C(fake), c)\n    step G = ce(C(fake), c)\n"],
  ["ema bad decay", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n    ema G = 1.5\n"],
  ["schedule", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n    optim P = adam(schedule = linear(keep = 10))\n    optim G = adam(schedule = cosine(10), clip = -1)\n"],
  ["cat labels", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(E(cat(fake, c))))\n"],
  ["pool of labels", good + "    old = pool(c, 5)\n    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n"],
  ["sample row", good + "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n    sample = (real, fake, z)\n"],
];
for (const [n, t] of rows) console.log(n, JSON.stringify(codes(zoo + t)));
console.log(rendered(zoo + rows[1]![1]));
console.log(rendered(zoo + rows[6]![1]));
console.log(rendered(zoo + rows[3]![1]));
