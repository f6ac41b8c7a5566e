#!/usr/bin/env node
// gan-train: see runtime/cli/gan-train.ts.
import { run } from "./launch.js";

await run("gan-train", "../runtime/cli/gan-train.ts");
