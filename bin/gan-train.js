#!/usr/bin/env node
// gan-train: see cli/gan-train.ts.
import { run } from "./launch.js";

await run("gan-train", "../cli/gan-train.ts");
