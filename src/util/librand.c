/*
 * librand.c -- libc's rand() made repeatable for the libraries that shuffle
 * with it (liblinear's dual and L1 solvers, libsvm's probability estimates):
 * one process-wide mutex held around the library call, and srand() seeded
 * from the model's seed first. rand() is process-wide state, so every user in
 * the library goes through this one lock.
 */
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t rand_mu = PTHREAD_MUTEX_INITIALIZER;

/* splitmix64's finaliser, so that nearby seeds (and 0 and 1, which glibc's
 * srand treats alike) give unrelated sequences. */
static unsigned scramble(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (unsigned)(z >> 32);
}

void hpo__libc_rand_begin(uint64_t seed)
{
    pthread_mutex_lock(&rand_mu);
    srand(scramble(seed)); /* banned-ok: the one seeding of libc's rand(), under the lock */
}

void hpo__libc_rand_end(void)
{
    pthread_mutex_unlock(&rand_mu);
}
