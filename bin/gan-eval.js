#!/usr/bin/env node
// gan-eval: see cli/gan-eval.ts.
import { run } from "./launch.js";

await run("gan-eval", "../cli/gan-eval.ts");
