#!/bin/bash
mkdir -p /tmp/learn
cd /work/main
run() { name=$1; shift; rm -rf /tmp/learn/$name; start=$(date +%s); timeout 1500 node bin/gan-train.js "$@" --out /tmp/learn/$name > /tmp/learn/$name.log 2>&1; echo "$name rc=$? $(( $(date +%s) - start )) s" >> /tmp/learn/summary.txt; }
run acgan specs/acgan.gan --iters 1000 --eval-every 250
run wgan-gp specs/wgan-gp.gan --iters 300 --eval-every 100
run cyclegan specs/cyclegan.gan --set size=64 load=72 ngf=16 ndf=16 n_blocks=3 --iters 1500 --eval-every 500
run lsgan specs/lsgan.gan --iters 2000 --eval-every 500
run sngan specs/sngan.gan --iters 1000 --eval-every 500
run sagan specs/sagan.gan --iters 200 --eval-every 100
