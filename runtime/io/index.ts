// Files (the package's "gan-spec/io"): sample grids as PNG, safetensors, state_dicts.
export { loadStateDict, StateDictError, stateDict } from "../nn/state-dict.ts";
export { type Batch, writeGrid, writeSideBySide } from "./image-grid.ts";
export { type NamedTensor, readSafetensors, SafetensorsError, writeSafetensors } from "./safetensors.ts";
