#!/bin/bash
cd /work/main
run() { name=$1; shift; rm -rf /tmp/learn/$name; start=$(date +%s); timeout 1500 node bin/gan-train.js "$@" --out /tmp/learn/$name > /tmp/learn/$name.log 2>&1; echo "$name rc=$? $(( $(date +%s) - start )) s" >> /tmp/learn/summary.txt; }
run sngan specs/sngan.gan --iters 150 --eval-every 50
run sagan specs/sagan.gan --iters 100 --eval-every 50
