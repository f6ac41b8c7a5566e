import { lrFactor } from "../runtime/train/training.ts";
const s = { kind: "linear", keep: 100, decay: 100 } as const;
console.log([0, 97, 98, 99, 100, 198, 199].map((e) => `${e + 1}:${lrFactor(s, e).toFixed(4)}`).join(" "));
