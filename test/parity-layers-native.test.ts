// The PyTorch layer parity of test/parity-layers.test.ts, on the wasm backend with the
// native kernels (the path training takes): conv / convT in all 80 geometries, BatchNorm,
// LeakyReLU, Upsample, the losses.
process.env.GAN_PARITY_BACKEND = "wasm";
await import("./parity-layers.test.ts");
