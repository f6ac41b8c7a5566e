// A fixed pool of worker threads that sleep on a condition variable between jobs (no
// spinning: on a 2-core machine a spinning waiter starves the thread doing the work).
#ifndef GAN_POOL_H
#define GAN_POOL_H

typedef void (*pool_fn)(void *ctx, int tid, int nthreads);

// Sets the number of threads jobs run on (the caller counts as one); 1 = no workers.
void pool_set_threads(int n);
int pool_threads(void);
// Runs fn(ctx, tid, n) for tid = 0..n-1 (n = min(want, pool size)), tid 0 on the calling
// thread; returns when all are done.
void pool_run(pool_fn fn, void *ctx, int want);

#endif
