#!/bin/bash
# every spec through gan-train --engine torch at small widths: 1 iteration, resume to 2, gan-sample
cd /work/main
declare -A SETS=( [dcgan]="--set isize=16 --set ngf=4 --set ndf=4" [pix2pix]="--set ngf=2 --set ndf=2" [cyclegan]="--set size=32 --set load=36 --set ngf=4 --set ndf=4 --set n_blocks=1" [sngan]="--set ch=4" [sagan]="--set ch=8" [lsgan]="--set ngf=4 --set ndf=4" [wgan-gp]="--set dim=4" )
for f in specs/*.gan; do
  n=$(basename $f .gan); out=/tmp/tall/$n; rm -rf $out
  a=$(timeout 600 node bin/gan-train.js $f ${SETS[$n]} --engine torch --iters 1 --batch 4 --eval-every 0 --out $out 2>&1 | grep -c "finished: 1 of 1")
  b=$(timeout 600 node bin/gan-train.js --out $out --resume --iters 2 2>&1 | grep -c "finished: 2 of 2")
  c=$(timeout 600 node bin/gan-sample.js --checkpoint $out --noise 2 --out $out/s.safetensors 2>&1 | grep -c "written to")
  echo "$n train=$a resume=$b sample=$c index=$(test -f $out/index.html && echo 1 || echo 0)"
done
