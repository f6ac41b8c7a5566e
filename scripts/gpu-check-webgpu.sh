#!/usr/bin/env bash
# TypeScript on a GPU: the WebGPU backend (Dawn; `npm run webgpu` installed it into
# node_modules/.webgpu/) beside PyTorch on CUDA on the same GPU, in one run. Needs only this
# working tree with its node_modules, a node binary ($NODE, default `node`: a GPU machine
# may have no Node.js, so bring one) and a python3 with PyTorch and CUDA ($GAN_PYTHON,
# default python3); no network, no npm. Cases: DCGAN 64 x 64 (width 64) at batch 64 and
# 128, Pix2Pix 256 x 256 at batch 1, one training iteration each (D step + G step, Adam, as
# gan-train runs it) on random data: the median of ITERS after warm-ups, as img/s, for
#   webgpu        gan-train's TensorFlow.js WebGPU backend
#   torch-engine  gan-spec's PyTorch engine (generated/<spec>/torch) on CUDA
#   torch         the seeds' hand-written PyTorch iteration on CUDA
#
#   NODE=/path/to/node bash scripts/gpu-check-webgpu.sh [ITERS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=${NODE:-node}
PY=${GAN_PYTHON:-python3}
ITERS=${1:-20}
"$NODE" --version >/dev/null 2>&1 || { echo "gpu-check-webgpu: no node binary at '$NODE' (set NODE=/path/to/node)" >&2; exit 2; }
[ -d node_modules/.webgpu/node_modules/webgpu ] || { echo "gpu-check-webgpu: WebGPU is not installed: run npm run webgpu (on a machine with npm) and bring node_modules along" >&2; exit 2; }
"$PY" -c "import torch; print('PyTorch', torch.__version__, 'CUDA', torch.version.cuda, '|', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no CUDA GPU')"
"$NODE" --import tsx scripts/webgpu-check.ts
"$NODE" --import tsx bench/train-bench.ts --json --backends=webgpu --device cuda --python "$PY" --iters "$ITERS" dcgan-b64 dcgan-b128 pix2pix-b1 |
  "$NODE" -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const rows = text.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      const batch = (name) => Number(/-b(\d+)$/.exec(name)[1]);
      const ips = (ms, name) => (ms == null ? "-" : ((batch(name) * 1000) / ms).toFixed(1));
      console.log(["case".padEnd(12), "backend".padEnd(13), "ms/iter".padStart(9), "img/s".padStart(9), "torch img/s".padStart(12), "ratio".padStart(7)].join(" "));
      for (const r of rows) {
        console.log([r.name.padEnd(12), r.backend.padEnd(13), (r.ms_per_iter ?? "-").toString().padStart(9), ips(r.ms_per_iter, r.name).padStart(9), ips(r.torch_ms_per_iter, r.name).padStart(12), (r.ratio == null ? "-" : `${r.ratio}x`).padStart(7)].join(" ") + (r.error ? `  ${r.error}` : ""));
      }
      console.log("ratio: time per iteration against the hand-written PyTorch iteration on CUDA (lower is faster)");
    });
  '
