// `npm run webgpu` ends with this: which adapter WebGPU finds, or why it finds none.
import { BackendError, startBackend } from "../runtime/backend.ts";

try {
  const info = await startBackend("webgpu");
  console.log(`gan-spec: WebGPU works: ${info.why}. Train with gan-train SPEC --backend webgpu`);
  process.exit(0);
} catch (e) {
  console.error(`gan-spec: WebGPU is installed but cannot run here: ${e instanceof BackendError ? e.message : String(e)}`);
  process.exit(1);
}
