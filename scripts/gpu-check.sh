#!/usr/bin/env bash
# The PyTorch engine on a GPU machine: needs only this working tree and a python3 with
# PyTorch and CUDA (no Node.js, no network). Trains generated/dcgan/torch (specs/dcgan.gan
# at its defaults: 64 x 64 RGB, ngf = ndf = 64) on a fixed random batch, with 1 and 2
# processes (when there are 2 GPUs), bf16 autocast off and on, and the seeds' hand-written
# PyTorch DCGAN (bench/torch_bench.py) beside it in the same run; prints img/s for each.
#
#   bash scripts/gpu-check.sh [BATCH] [ITERS]        (default 128 and 60)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${GAN_PYTHON:-python3}
BATCH=${1:-128}
ITERS=${2:-60}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
GPUS=$($PY -c "import torch; print(torch.cuda.device_count())")
$PY -c "import torch; print('PyTorch', torch.__version__, 'CUDA', torch.version.cuda, '|', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
$PY - "$OUT/batch.safetensors" "$BATCH" <<'PYEOF'
import sys
sys.path.insert(0, "generated/dcgan/torch")
import torch, gan_runtime as rt
path, b = sys.argv[1], int(sys.argv[2])
g = torch.Generator().manual_seed(0)
rt.write_atomic(path, rt.safetensors_bytes({"real": torch.rand(b, 3, 64, 64, generator=g) * 2 - 1, "z": torch.randn(b, 100, 1, 1, generator=g)}, {}))
PYEOF
engine() { # NAME NPROC AMP
  local launch=("$PY" generated/dcgan/torch/train.py)
  if [ "$2" -gt 1 ]; then
    launch=("$PY" -c "import sys; sys.path.insert(0, 'generated/dcgan/torch'); import gan_runtime; gan_runtime.torchrun(sys.argv[1:])" --standalone --nproc_per_node="$2" generated/dcgan/torch/train.py)
  fi
  "${launch[@]}" --fixed-batch "$OUT/batch.safetensors" --batch "$BATCH" --iters "$ITERS" --amp "$3" \
    --out "$OUT/$1" --sample-every 1000000 --checkpoint-every 1000000 >/dev/null
  # img/s over the second half of the run (after warm-up), from the run's own log
  $PY -c "import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; h=rows[len(rows)//2:]; print(f'{sys.argv[2]:<34} {len(h)*int(sys.argv[3])/(h[-1][\"time\"]-rows[len(rows)//2-1][\"time\"]):9.0f} img/s')" "$OUT/$1/log.jsonl" "$1" "$BATCH"
}
echo "DCGAN 64x64, global batch $BATCH, $ITERS iterations"
engine "gan-spec engine, 1 process, fp32" 1 off
engine "gan-spec engine, 1 process, bf16" 1 bf16
if [ "$GPUS" -ge 2 ]; then
  engine "gan-spec engine, 2 processes, fp32" 2 off
  engine "gan-spec engine, 2 processes, bf16" 2 bf16
else
  echo "(one GPU: the 2-process rows need two)"
fi
$PY bench/torch_bench.py --device cuda --iters "$ITERS" "dcgan-b$BATCH" | $PY -c "import json,sys; r=json.loads(sys.stdin.readline()); print(f'{\"seed DCGAN, hand-written PyTorch\":<34} {int(sys.argv[1])*1000/r[\"ms_per_iter\"]:9.0f} img/s' if r.get('ms_per_iter') else r)" "$BATCH"
