// The code generation of `gan-train` in a worker thread, from the bundle (dist/emit-worker.mjs;
// cli/code.ts: emitCodeInBackground):
// compiling again and emitting the modules (ts-morph: about a second to load) while the main
// thread loads TF.js and the runtime. Posts `null` when the files are written, else the error.
import { parentPort, workerData } from "node:worker_threads";
import { compile } from "../compiler/compile.ts";
import { emitFiles, writeFiles } from "../compiler/generate.ts";

const job = workerData as { path: string; text: string; overrides: [string, number][]; dir: string };
try {
  const result = compile(job.text, job.path, { overrides: new Map(job.overrides) });
  writeFiles(job.dir, emitFiles(result, job.dir));
  parentPort!.postMessage(null);
} catch (e) {
  parentPort!.postMessage(e instanceof Error ? e.message : String(e));
}
