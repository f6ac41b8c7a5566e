import { readFileSync } from "node:fs";
import { rendered } from "./test/helpers.ts";
const cases = readFileSync("/tmp/cases.txt", "utf8").split("\n=====\n");
for (const c of cases) { console.log("----- " + JSON.stringify(c)); console.log(rendered(c)); }
