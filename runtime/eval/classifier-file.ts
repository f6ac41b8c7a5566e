// Where the quality score's MNIST classifier is (scripts/train-classifier.py writes it):
// a module of its own, so that the command lines can name it without loading TensorFlow.js.
// Found from this module upwards, so a bundle in dist/ finds the package's file too.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NAME = join("runtime", "eval", "mnist-classifier.safetensors");

function find(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, NAME))) return join(dir, NAME);
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), "mnist-classifier.safetensors");
    dir = up;
  }
}

export const CLASSIFIER_FILE = find();
