// Where the quality score's MNIST classifier is (scripts/train-classifier.py writes it):
// a module of its own, so that the command lines can name it without loading TensorFlow.js.
// In the package's folder (runtime/package-root.ts), so a bundle in dist/ finds it too.
import { join } from "node:path";
import { packageRoot } from "../package-root.ts";

export const CLASSIFIER_FILE = join(packageRoot(), "runtime", "eval", "mnist-classifier.safetensors");
