// The data API (the package's "gan-spec/data"): a training section's data pipeline as
// batches (openDataset), the embedded MNIST, picture folders.
export { type Dataset, epochOrder, type OpenOptions, openDataset } from "./dataset.ts";
export { DataError, listImages, loadImage, picturesFingerprint } from "./image-folder.ts";
export { loadMnist, type Mnist, MnistError, mnistBatch } from "./mnist.ts";
