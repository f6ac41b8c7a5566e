#include "pool.h"

#include <pthread.h>

#define MAX_THREADS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int started = 0;       // workers created so far (tid 1..started)
static int wanted = 1;        // threads per job, caller included
static unsigned long generation = 0;
static pool_fn job_fn;
static void *job_ctx;
static int job_n;
static int pending;

static void *worker(void *arg) {
  int tid = (int)(long)arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    if (tid >= job_n) continue;
    pool_fn fn = job_fn;
    void *ctx = job_ctx;
    int n = job_n;
    pthread_mutex_unlock(&lock);
    fn(ctx, tid, n);
    pthread_mutex_lock(&lock);
    if (--pending == 0) pthread_cond_signal(&done);
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
  pending = n - 1;
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  fn(ctx, 0, n);
  pthread_mutex_lock(&lock);
  while (pending > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
}
