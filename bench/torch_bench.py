#!/usr/bin/python3
"""PyTorch reference for `npm run bench`: one GAN training iteration of each seed model,
as the `train:` sections of specs/mnist-gan.gan, specs/dcgan.gan and specs/pix2pix.gan
define it, on random data of the right shapes.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_bench.py mlp-b64 dcgan-b16

One iteration: D step = loss on D(real) + loss on D(fake.detach()), Adam step on D; then G
step through the updated D (+ 100 * L1 for Pix2Pix), Adam step on G. `fake = G(z)` is
computed once per iteration, as the seeds do. Adam lr 2e-4, betas (0.5, 0.999), both models.

Cases are `[engine-]<model>-b<batch>` with model mlp, dcgan or pix2pix (engine-: the same
iteration run by gan-spec's PyTorch engine, the emitted generated/<spec>/torch package) (the bench uses mlp-b64,
dcgan-b64, dcgan-b16, pix2pix-b1). Each case runs in its own process (so its peak RSS is its
own) with torch.set_num_threads(2) (--threads N) and OMP_WAIT_POLICY=PASSIVE (spin-waiting
starves OpenBLAS on 2 cores). Median of --iters (default 5) timed iterations after 2
warm-ups; a case whose first warm-up takes more than 20 s gets 1 warm-up and 3 timed
iterations, one under 0.2 s 10 warm-ups and 30 timed iterations, unless --iters is given. Prints one JSON line per case:
{"name", "ms_per_iter", "iters", "warmups", "peak_rss_mb", "torch", "threads"}
(or {"name", "ms_per_iter": null, "error"} when a case fails).

Run it with Debian's own python3 (torch 1.13 from python3-torch, OpenBLAS pthread), not a
pyenv one. See ../shared/PERFORMANCE-ANCHORS.md.
"""
import json
import os
import re
import subprocess
import sys

DEVICE = "cpu"  # --device cuda: the GPU check (scripts/gpu-check.sh)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE_PACKAGES = {"mlp": "mnist-gan", "dcgan": "dcgan", "pix2pix": "pix2pix"}


def engine_fn(model, batch):
    """A case `engine-<model>-b<batch>`: the same iteration run by gan-spec's PyTorch engine,
    the emitted package generated/<spec>/torch (its models, its train: section, its Round)."""
    import tempfile

    import torch

    sys.path.insert(0, os.path.join(ROOT, "generated", ENGINE_PACKAGES[model], "torch"))
    import gan_runtime as rt
    from models import MODELS
    from train import TRAINING

    args = rt.parse_args(TRAINING, ["--batch", str(batch), "--device", DEVICE, "--out", tempfile.mkdtemp()])
    e = rt.Engine(TRAINING, MODELS, args)
    inputs = {o["name"]: (torch.rand(batch, *o["shape"]) * 2 - 1).to(e.device) for o in TRAINING["data"]["outputs"]}
    inputs.update({z["name"]: torch.randn(batch, *z["shape"]).to(e.device) for z in TRAINING["noise"]})
    order = [st["model"] for st in TRAINING["steps"]]

    def one():
        r = rt.Round(e, inputs, order)
        return sum(r.step(st["model"], st["run"])[0] for st in TRAINING["steps"])

    return one

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when OpenMP starts: before torch loads


def parse_args(argv):
    global DEVICE
    names, iters, threads, child = [], None, 2, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--iters":
            iters = int(argv[i + 1])
            i += 1
        elif a.startswith("--iters="):
            iters = int(a.split("=", 1)[1])
        elif a == "--threads":
            threads = int(argv[i + 1])
            i += 1
        elif a.startswith("--threads="):
            threads = int(a.split("=", 1)[1])
        elif a == "--child":
            child = True
        elif a == "--device":
            DEVICE = argv[i + 1]
            i += 1
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        else:
            names.append(a)
        i += 1
    return names, iters, threads, child


def build(model, batch):
    import torch
    import torch.nn as nn

    def weights_init(m):
        # DCGAN's init: N(0, 0.02) convolution weights, N(1, 0.02) BatchNorm scales.
        cls = m.__class__.__name__
        if cls.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif cls.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    if model == "mlp":
        # specs/mnist-gan.gan (seeds 002 / 004)
        G = nn.Sequential(
            nn.Linear(100, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 1024), nn.LeakyReLU(0.2),
            nn.Linear(1024, 784), nn.Tanh(),
        )
        D = nn.Sequential(
            nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(256, 1), nn.Sigmoid(),
        )

        class Gv(nn.Module):
            def __init__(self):
                super().__init__()
                self.main = G

            def forward(self, z):
                return self.main(z).view(-1, 1, 28, 28)

        class Dv(nn.Module):
            def __init__(self):
                super().__init__()
                self.main = D

            def forward(self, x):
                return self.main(x.view(x.size(0), -1))

        g, d = Gv(), Dv()
        real = torch.rand(batch, 1, 28, 28) * 2 - 1
        z = torch.randn(batch, 100)
        return g, d, {"real": real, "z": z}, "bce"

    if model == "dcgan":
        # specs/dcgan.gan at its defaults: the PyTorch DCGAN tutorial (64 x 64, nz 100, ngf = ndf = 64, nc 3)
        nz, ngf, ndf, nc = 100, 64, 64, 3
        g = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
        )
        d = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
        )
        g.apply(weights_init)
        d.apply(weights_init)
        real = torch.rand(batch, nc, 64, 64) * 2 - 1
        z = torch.randn(batch, nz, 1, 1)
        return g, d, {"real": real, "z": z}, "bce"

    if model == "pix2pix":
        # specs/pix2pix.gan (seed 003): U-Net G from L to ab, PatchGAN D on cat(L, ab).
        ngf, ndf = 64, 64

        def down(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))

        def up(cin, cout):
            # the spec's `block up`: relu convT bn dropout(0.5), on every decoder step
            return nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.Dropout(0.5))

        class UNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.first = nn.Sequential(nn.Conv2d(1, ngf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2))  # 128
                self.e1 = down(ngf, ngf * 2)       # 64
                self.e2 = down(ngf * 2, ngf * 4)   # 32
                self.e3 = down(ngf * 4, ngf * 8)   # 16
                self.e4 = down(ngf * 8, ngf * 8)   # 8
                self.e5 = down(ngf * 8, ngf * 8)   # 4
                self.e6 = down(ngf * 8, ngf * 8)   # 2
                # the bottleneck: conv to 1 x 1 (no bn), relu, convT back to 2, bn (no dropout)
                self.m = nn.Sequential(nn.Conv2d(ngf * 8, ngf * 8, 4, 2, 1, bias=False), nn.ReLU(),
                                       nn.ConvTranspose2d(ngf * 8, ngf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 8))
                self.d6 = up(ngf * 16, ngf * 8)    # 4
                self.d5 = up(ngf * 16, ngf * 8)    # 8
                self.d4 = up(ngf * 16, ngf * 8)    # 16
                self.d3 = up(ngf * 16, ngf * 4)    # 32
                self.d2 = up(ngf * 8, ngf * 2)     # 64
                self.d1 = up(ngf * 4, ngf)         # 128
                self.out = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(ngf, 2, 4, 2, 1, bias=True), nn.Tanh())  # 256

            def forward(self, L):
                x0 = self.first(L)
                e1 = self.e1(x0)
                e2 = self.e2(e1)
                e3 = self.e3(e2)
                e4 = self.e4(e3)
                e5 = self.e5(e4)
                e6 = self.e6(e5)
                m = self.m(e6)
                d6 = self.d6(torch.cat([m, e6], 1))
                d5 = self.d5(torch.cat([d6, e5], 1))
                d4 = self.d4(torch.cat([d5, e4], 1))
                d3 = self.d3(torch.cat([d4, e3], 1))
                d2 = self.d2(torch.cat([d3, e2], 1))
                d1 = self.d1(torch.cat([d2, e1], 1))
                return self.out(d1)

        g = UNet()
        d = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 8, 1, 4, 2, 1, bias=False),  # 8 x 8 logits, no sigmoid
        )
        g.apply(weights_init)
        d.apply(weights_init)
        L = torch.rand(batch, 1, 256, 256) * 2 - 1
        ab = torch.rand(batch, 2, 256, 256) * 2 - 1
        return g, d, {"L": L, "ab": ab}, "pix2pix"

    raise ValueError(f"unknown model {model!r} (mlp, dcgan, pix2pix)")


def iteration_fn(g, d, data, kind):
    import torch
    import torch.nn as nn

    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g.train()
    d.train()

    if kind == "bce":
        bce = nn.BCELoss()
        real, z = data["real"], data["z"]

        def one():
            fake = g(z)
            # step D = bce(D(real), 1) + bce(D(fake), 0), fake detached
            d.zero_grad(set_to_none=True)
            out_real = d(real).view(-1)
            out_fake = d(fake.detach()).view(-1)
            loss_d = bce(out_real, torch.ones_like(out_real)) + bce(out_fake, torch.zeros_like(out_fake))
            loss_d.backward()
            opt_d.step()
            # step G = bce(D(fake), 1), through the updated D
            g.zero_grad(set_to_none=True)
            out = d(fake).view(-1)
            loss_g = bce(out, torch.ones_like(out))
            loss_g.backward()
            opt_g.step()
            return loss_d.item() + loss_g.item()

        return one

    bcel = nn.BCEWithLogitsLoss()
    l1 = nn.L1Loss()
    L, ab = data["L"], data["ab"]

    def one():
        fake = g(L)
        # step D = 0.5 * (bce_logits(D(cat(L, ab)), 1) + bce_logits(D(cat(L, fake)), 0))
        d.zero_grad(set_to_none=True)
        pr = d(torch.cat([L, ab], 1))
        pf = d(torch.cat([L, fake.detach()], 1))
        loss_d = 0.5 * (bcel(pr, torch.ones_like(pr)) + bcel(pf, torch.zeros_like(pf)))
        loss_d.backward()
        opt_d.step()
        # step G = bce_logits(D(cat(L, fake)), 1) + 100 * l1(fake, ab)
        g.zero_grad(set_to_none=True)
        p = d(torch.cat([L, fake], 1))
        loss_g = bcel(p, torch.ones_like(p)) + 100 * l1(fake, ab)
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()

    return one


def run_case(name, iters, threads):
    import resource
    import time

    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = re.fullmatch(r"(engine-)?(mlp|dcgan|pix2pix)-b(\d+)", name)
    if not m:
        raise ValueError(f"bad case name {name!r}: [engine-]<mlp|dcgan|pix2pix>-b<batch>")
    if m.group(1):
        one = engine_fn(m.group(2), int(m.group(3)))
    else:
        g, d, data, kind = build(m.group(2), int(m.group(3)))
        g, d = g.to(DEVICE), d.to(DEVICE)
        data = {k: v.to(DEVICE) for k, v in data.items()}
        one = iteration_fn(g, d, data, kind)
    if DEVICE.startswith("cuda"):  # an iteration ends when the GPU has done its work
        step = one

        def one():
            step()
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    one()
    first = time.perf_counter() - t0
    slow = first > 20.0
    # a fast case (first iteration under 0.2 s) is noisy over 5 iterations: 10 warm-ups, 30
    # timed (the same rule as bench/train-bench.ts)
    fast = first < 0.2 and iters is None
    warmups = 1 if slow else 10 if fast else 2
    if iters is None:
        iters = 3 if slow else 30 if fast else 5
    for _ in range(warmups - 1):
        one()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        one()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "name": name,
        "ms_per_iter": round(median, 2),
        "iters": iters,
        "warmups": warmups,
        "min_ms": round(times[0], 2),
        "max_ms": round(times[-1], 2),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def main():
    names, iters, threads, child = parse_args(sys.argv[1:])
    if not names:
        names = ["mlp-b64", "dcgan-b64", "dcgan-b16", "pix2pix-b1"]
    if child:
        for name in names:
            try:
                print(json.dumps(run_case(name, iters, threads)), flush=True)
            except Exception as e:  # a failed case is a row, not a crash
                print(json.dumps({"name": name, "ms_per_iter": None, "error": f"{type(e).__name__}: {e}"}), flush=True)
        return
    # One process per case: each case's peak RSS is its own.
    extra = ["--threads", str(threads), "--device", DEVICE] + (["--iters", str(iters)] if iters is not None else [])
    for name in names:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = next((l for l in reversed(r.stdout.strip().splitlines()) if l.startswith("{")), None)
        if line is None:
            err = (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1]
            line = json.dumps({"name": name, "ms_per_iter": None, "error": err[:200]})
        print(line, flush=True)


if __name__ == "__main__":
    main()
