// Names a spec writer brings from PyTorch, Keras or papers: what the language calls the same
// layer, or that it does not have it (yet) and what comes nearest. The checker looks here
// before guessing a typo, so `sn(...)` is never "did you mean `bn`?". One home for these facts.

export interface ForeignName {
  /** The language's way to write it, e.g. "inorm(C[, affine][, track])". */
  readonly write?: string;
  /** The built-in layer it is (the checker goes on as if that were written). */
  readonly layer?: string;
  /** What it is, when the language does not have it, and what comes nearest. */
  readonly unsupported?: { readonly what: string; readonly instead: string };
}

const same = (layer: string, write: string): ForeignName => ({ layer, write });
const missing = (what: string, instead: string): ForeignName => ({ unsupported: { what, instead } });

const ACTIVATION = missing("this activation", "the language has relu, lrelu(A), tanh and sigmoid");

const TABLE: Readonly<Record<string, ForeignName>> = {
  conv2d: same("conv", "conv(IN -> OUT, kK, sS, pP)"),
  convolution: same("conv", "conv(IN -> OUT, kK, sS, pP)"),
  convtranspose2d: same("convT", "convT(IN -> OUT, kK, sS, pP)"),
  convtranspose: same("convT", "convT(IN -> OUT, kK, sS, pP)"),
  deconv: same("convT", "convT(IN -> OUT, kK, sS, pP)"),
  deconv2d: same("convT", "convT(IN -> OUT, kK, sS, pP)"),
  dense: same("linear", "linear(IN -> OUT)"),
  fc: same("linear", "linear(IN -> OUT)"),
  batchnorm: same("bn", "bn or bn(C, eps=E, momentum=M)"),
  batchnorm1d: same("bn", "bn or bn(C)"),
  batchnorm2d: same("bn", "bn or bn(C)"),
  instancenorm: same("inorm", "inorm or inorm(C[, affine][, track])"),
  instancenorm2d: same("inorm", "inorm or inorm(C[, affine][, track])"),
  in: same("inorm", "inorm or inorm(C[, affine][, track])"),
  groupnorm: same("gn", "gn(G)"),
  layernorm: same("ln", "ln"),
  leakyrelu: same("lrelu", "lrelu(A)"),
  lrelu2: same("lrelu", "lrelu(A)"),
  reflectionpad2d: same("pad", "pad(P, reflect)"),
  reflectionpad: same("pad", "pad(P, reflect)"),
  replicationpad2d: same("pad", "pad(P, replicate)"),
  zeropad2d: same("pad", "pad(P)"),
  zeropadding2d: same("pad", "pad(P)"),
  padding: same("pad", "pad(P[, zeros|reflect|replicate])"),
  avgpool2d: same("avgpool", "avgpool(kK[, sS][, pP])"),
  averagepooling2d: same("avgpool", "avgpool(kK[, sS][, pP])"),
  maxpool2d: same("maxpool", "maxpool(kK[, sS][, pP])"),
  maxpooling2d: same("maxpool", "maxpool(kK[, sS][, pP])"),
  upsampling2d: same("upsample", "upsample(S[, nearest|bilinear])"),
  interpolate: same("upsample", "upsample(S[, nearest|bilinear])"),
  view: same("reshape", "reshape([dims])"),
  sn: { write: "the flag `sn` of the layer it normalises: conv(3 -> 64, k4, s2, p1, sn)" },
  spectralnorm: { write: "the flag `sn` of the layer it normalises: conv(3 -> 64, k4, s2, p1, sn)" },
  selfattention: same("attention", "attention or attention(C[, sn])"),
  selfattn: same("attention", "attention or attention(C[, sn])"),
  embed: same("embedding", "embedding(N, D) on an input declared label(N)"),
  onehot: same("onehot", "onehot or onehot(N)"),
  pixelshuffle: missing("PixelShuffle", "upsample(2) followed by a conv does the same job"),
  adaptiveavgpool2d: missing("adaptive pooling", "avgpool(kK) with K the input's size"),
  adaptivemaxpool2d: missing("adaptive pooling", "maxpool(kK) with K the input's size"),
  logsoftmax: missing("log-softmax", "softmax, then the log in the loss"),
  elu: ACTIVATION,
  gelu: ACTIVATION,
  selu: ACTIVATION,
  silu: ACTIVATION,
  swish: ACTIVATION,
  mish: ACTIVATION,
  prelu: ACTIVATION,
  softplus: ACTIVATION,
  hardtanh: ACTIVATION,
  relu6: ACTIVATION,
  identity: missing("an identity layer", "leave it out: a chain without it is the same"),
};

/** `InstanceNorm2d`, `nn.instance_norm`, `instanceNorm` all find the same entry. */
export function foreignName(name: string): ForeignName | undefined {
  const key = name.toLowerCase().replace(/^nn\./, "").replace(/_/g, "");
  return Object.hasOwn(TABLE, key) ? TABLE[key] : undefined;
}
