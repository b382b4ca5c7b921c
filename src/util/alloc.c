/*
 * alloc.c -- the allocation funnel. Every allocation of the library passes here
 * so tests can fail the N-th one (hpo__alloc_fail_after) and check that callers
 * return HPO_ENOMEM and leak nothing.
 */
#include "util/util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1;

void hpo__alloc_fail_after(long n)
{
    atomic_store(&fail_after, n);
}

static int should_fail(void)
{
    long cur = atomic_load(&fail_after);
    while (cur >= 0) {
        if (cur == 0)
            return 1;
        if (atomic_compare_exchange_weak(&fail_after, &cur, cur - 1))
            return 0;
    }
    return 0;
}

void *hpo__malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *hpo__calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *hpo__realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void hpo__free(void *p)
{
    free(p);
}

void hpo_free(void *ptr)
{
    free(ptr);
}

char *hpo__strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = hpo__malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *hpo__strdup(const char *s)
{
    return s ? hpo__strndup(s, strlen(s)) : NULL;
}
