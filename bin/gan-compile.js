#!/usr/bin/env node
// gan-compile: runs the bundled CLI (dist/, built by `npm install`) when it is up to date
// with the sources, else the TypeScript sources directly through tsx.
import { run } from "./launch.js";

await run("gan-compile", "../cli/gan-compile.ts");
