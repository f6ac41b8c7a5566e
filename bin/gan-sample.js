#!/usr/bin/env node
// gan-sample: see cli/gan-sample.ts.
import { run } from "./launch.js";

await run("gan-sample", "../cli/gan-sample.ts");
