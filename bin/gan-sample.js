#!/usr/bin/env node
// gan-sample: see runtime/cli/gan-sample.ts.
import { run } from "./launch.js";

await run("gan-sample", "../runtime/cli/gan-sample.ts");
