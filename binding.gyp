{
  "targets": [
    {
      "target_name": "gan_native",
      "sources": [
        "runtime/kernels/native/addon.c",
        "runtime/kernels/native/batchnorm.c",
        "runtime/kernels/native/conv.c",
        "runtime/kernels/native/eltwise.c",
        "runtime/kernels/native/gemm.c",
        "runtime/kernels/native/pool.c",
        "runtime/kernels/native/reduce.c",
        "runtime/kernels/native/transpose.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-ffp-contract=off", "-fno-trapping-math", "-fno-math-errno"],
      "libraries": ["-lpthread", "-lm"]
    }
  ]
}
