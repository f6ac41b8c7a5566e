#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

#define MAX_THREADS 64
// How long a thread that waits polls before it sleeps. Waking a sleeping thread costs
// 50-200 us in a VM (the idle virtual CPU has to be scheduled again), more than most
// kernels take; polling for a short while catches the next job or the end of this one.
// Bounded, so an idle process does not keep a core busy.
#define SPIN_NS 100000L

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int started = 0;  // workers created so far (tid 1..started)
static int wanted = 1;   // threads per job, caller included
static atomic_ulong generation = 0;
static pool_fn job_fn;
static void *job_ctx;
static int job_n;
static atomic_int pending;

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

// Polls until *value differs from `from` (generation) or reaches 0 (pending), for at most SPIN_NS.
static int spin_until_changed(atomic_ulong *value, unsigned long from) {
  long end = now_ns() + SPIN_NS;
  for (int i = 0;; i++) {
    if (atomic_load_explicit(value, memory_order_acquire) != from) return 1;
    RELAX();
    if ((i & 63) == 63 && now_ns() > end) return 0;
  }
}

static int spin_until_zero(atomic_int *value) {
  long end = now_ns() + SPIN_NS;
  for (int i = 0;; i++) {
    if (atomic_load_explicit(value, memory_order_acquire) == 0) return 1;
    RELAX();
    if ((i & 63) == 63 && now_ns() > end) return 0;
  }
}

static void *worker(void *arg) {
  int tid = (int)(long)arg;
  unsigned long seen = 0;
  for (;;) {
    spin_until_changed(&generation, seen);
    pthread_mutex_lock(&lock);
    while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &lock);
    seen = atomic_load(&generation);
    if (tid >= job_n) {
      pthread_mutex_unlock(&lock);
      continue;
    }
    pool_fn fn = job_fn;
    void *ctx = job_ctx;
    int n = job_n;
    pthread_mutex_unlock(&lock);
    fn(ctx, tid, n);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&done);
      pthread_mutex_unlock(&lock);
    }
  }
  return 0;
}

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&lock);
  while (started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker, (void *)(long)(started + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    started++;
  }
  wanted = n < started + 1 ? n : started + 1;
  pthread_mutex_unlock(&lock);
}

int pool_threads(void) { return wanted; }

void pool_run(pool_fn fn, void *ctx, int want) {
  int n = want < wanted ? want : wanted;
  if (n <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  pthread_mutex_lock(&lock);
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  atomic_store(&pending, n - 1);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  fn(ctx, 0, n);
  if (spin_until_zero(&pending)) return;
  pthread_mutex_lock(&lock);
  while (atomic_load(&pending) > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
}
