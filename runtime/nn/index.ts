// What generated model modules import: the base class, and each layer kind's runtime form
// (one line per kind: the registry of runtime/nn/layers/). Tensors inside are channels-last.
export { type ForwardOptions, Layer, type StateEntry } from "./layer.ts";
export { Model, type ModelOptions, type NamedState, release } from "./model.ts";
// Channels-last inside, PyTorch's NCHW outside.
export { fromTorchOrder, toTorchOrder } from "./functional.ts";
export { lrelu, relu, sigmoid, softmax, tanh } from "./layers/activations.ts";
export { SelfAttention, type SelfAttentionConfig } from "./layers/attention.ts";
export { BatchNorm, type BatchNormConfig } from "./layers/batchnorm.ts";
export { cat } from "./layers/cat.ts";
export { Conv2d, type ConvConfig, ConvTranspose2d, type ConvTransposeConfig } from "./layers/conv.ts";
export { Dropout, Dropout2d } from "./layers/dropout.ts";
export { addValues, mulValues, scale } from "./layers/elementwise.ts";
export { Gain, type GainConfig } from "./layers/gain.ts";
export { Embedding, type EmbeddingConfig, expand, onehot } from "./layers/labels.ts";
export { Linear, type LinearConfig } from "./layers/linear.ts";
export { GroupNorm, type GroupNormConfig, InstanceNorm, type InstanceNormConfig, LayerNorm, type LayerNormConfig } from "./layers/norms.ts";
export { avgpool, maxpool, pad2d } from "./layers/pool.ts";
export { flatten, reshape2, reshape3, reshape4 } from "./layers/reshape.ts";
export { upsample } from "./layers/upsample.ts";
