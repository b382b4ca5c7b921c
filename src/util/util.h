/*
 * util.h -- the bottom layer: the allocation funnel, per-thread error details,
 * a growable string buffer, time, and small string helpers. Every module may use
 * it; it uses only libc.
 *
 * Every allocation of the library goes through hpo__malloc/hpo__calloc/
 * hpo__realloc so that tests can make the N-th allocation fail
 * (hpo__alloc_fail_after) and check that each caller turns it into HPO_ENOMEM.
 */
#ifndef HPO_UTIL_H
#define HPO_UTIL_H

#include "hpo.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- allocation funnel */
void *hpo__malloc(size_t n);
void *hpo__calloc(size_t count, size_t size);
void *hpo__realloc(void *p, size_t n);
void hpo__free(void *p);
char *hpo__strdup(const char *s); /* NULL in -> NULL out */
char *hpo__strndup(const char *s, size_t n);
/* Testing hook: the allocation after `n` more succeed fails (and every later one
 * until reset); n < 0 turns failures off. Process-wide, not thread-safe. */
void hpo__alloc_fail_after(long n);

/* ---- errors: a message kept per thread for hpo_errmsg() */
/* Set the thread's message (printf format) and return `code`. */
int hpo__err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hpo__verr(int code, const char *fmt, va_list ap);
/* ENOMEM with a standard message. */
int hpo__enomem(void);
void hpo__err_clear(void);
/* Prefix the current message: "prefix: old message". */
void hpo__err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- growable string buffer; `data` is always NUL-terminated once non-empty */
typedef struct hpo__buf {
    char *data;
    size_t len;
    size_t cap;
    int oom; /* sticky: an append failed */
} hpo__buf;

#define HPO__BUF_INIT                                                                              \
    {                                                                                              \
        0                                                                                          \
    }
int hpo__buf_append(hpo__buf *b, const char *s, size_t n);
int hpo__buf_puts(hpo__buf *b, const char *s);
int hpo__buf_putc(hpo__buf *b, char c);
int hpo__buf_printf(hpo__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hpo__buf_vprintf(hpo__buf *b, const char *fmt, va_list ap);
/* Take ownership of the string (never NULL on success: "" for an empty buffer);
 * HPO_ENOMEM if any append failed. The buffer is reset. */
int hpo__buf_take(hpo__buf *b, char **out);
void hpo__buf_free(hpo__buf *b);
/* Append a double the shortest way that reads back exactly ("%.17g" trimmed). */
int hpo__buf_double(hpo__buf *b, double v);

/* ---- numbers and strings */
/* Shortest round-trip text of a double into buf (>= 32 bytes). nan, inf, -inf. */
void hpo__fmt_double(char *buf, size_t size, double v);
/* Strict parsers: the whole string must be consumed; 0 or HPO_EINVAL. */
int hpo__parse_double(const char *s, double *out);
int hpo__parse_ll(const char *s, long long *out);
/* Replace control characters (newlines included) in s by '?', in place (hpo__verr
 * does it to every message but a mismatch diff and an objective's stderr), so
 * text quoted from an input (a parser's "near '...'") keeps a message on one
 * line. Returns s. */
char *hpo__one_line(char *s);
/* Damerau-free Levenshtein distance (for did-you-mean suggestions). */
size_t hpo__edit_distance(const char *a, const char *b);
/* The candidate closest to `word` within distance max(2, len/3), or NULL. */
const char *hpo__suggest(const char *word, const char *const *candidates, size_t n);
/* Every key of opts[0..n) is one of `names` (NULL-terminated); else HPO_EINVAL
 * "<kind> <owner>: unknown option 'k' (did you mean 'x'?)". */
/* The index of `name` in names[0..n), or -1 with HPO_EINVAL "no <kind> name
 * given (expected a, b or c)" / "unknown <kind> 'x' (did you mean 'y'?)". */
long hpo__lookup_name(const char *kind, const char *name, const char *const *names, size_t n);
/* The value of `key` in kv[0..n), or NULL. */
const char *hpo__kv_get(const hpo_kv *kv, size_t n, const char *key);
/* Typed option getters over kv[0..n): `dflt` when the key is absent, else the
 * parsed value or HPO_EINVAL "<kind> <owner>: <key>: expected ..., got 'v'".
 * opt_enum stores the index of the value in `names` (NULL-terminated),
 * with a did-you-mean when it is not one of them. */
int hpo__opt_double(const hpo_kv *kv, size_t n, const char *kind, const char *owner,
                    const char *key, double dflt, double *out);
int hpo__opt_ll(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                long long dflt, long long *out);
int hpo__opt_bool(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                  int dflt, int *out);
int hpo__opt_enum(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                  const char *const *names, int dflt, int *out);
int hpo__check_option_names(const char *kind, const char *owner, const char *const *names,
                            const hpo_kv *opts, size_t n);

/* ---- time */
double hpo__now(void);
/* The calling thread's worker slot in hpo_study_optimize (0 .. n_workers-1;
 * 0 outside it): HPO_WORKER for commands. */
int hpo__worker_index(void);
void hpo__set_worker_index(int index); /* Unix time, seconds, wall clock */
double hpo__monotonic(void);           /* seconds, monotonic */
void hpo__sleep(double seconds);
/* A whole file (hpo__free it; not NUL-terminated): HPO_EIO "PATH: cannot
 * open: reason" or "PATH: read error". */
int hpo__read_file(const char *path, char **text, size_t *len);
/* numpy's np.sum of a contiguous double array, bit for bit (npsum.c). */
double hpo__np_sum(const double *a, size_t n);
/* numpy's np.argsort(v) of a float64 array (default kind), index for index:
 * out[0..n) gets the permutation (npsort.c). */
void hpo__np_argsort(const double *v, size_t n, size_t *out);
/* CPUs this process may run on (its affinity mask), at least 1. */
int hpo__cpu_count(void);
/* libc's rand() for libraries that shuffle with it (liblinear, libsvm): begin
 * takes the one process-wide lock and seeds rand() from `seed`; end releases
 * it. Calls between them are repeatable for a seed. */
void hpo__libc_rand_begin(uint64_t seed);
void hpo__libc_rand_end(void);

/* ---- binary serialisation for model files: fixed-width little-endian
 * numbers appended to an hpo__buf, read back through a bounded cursor. */
int hpo__ser_u32(hpo__buf *b, uint32_t v);
int hpo__ser_u64(hpo__buf *b, uint64_t v);
int hpo__ser_f64(hpo__buf *b, double v);
int hpo__ser_f64s(hpo__buf *b, const double *v, size_t n);
int hpo__ser_f32s(hpo__buf *b, const float *v, size_t n);
int hpo__ser_str(hpo__buf *b, const char *s); /* u32 length + bytes; NULL as "" */
typedef struct hpo__deser {
    const unsigned char *p;
    size_t left;
    const char *what; /* for messages: "svc model" */
} hpo__deser;
/* Each returns 0 or HPO_ESPEC "svc model: truncated" when fewer bytes remain. */
int hpo__deser_u32(hpo__deser *d, uint32_t *v);
int hpo__deser_u64(hpo__deser *d, uint64_t *v);
int hpo__deser_f64(hpo__deser *d, double *v);
int hpo__deser_f64s(hpo__deser *d, double *v, size_t n);
int hpo__deser_f32s(hpo__deser *d, float *v, size_t n);
/* A fresh NUL-terminated copy (hpo__free it); refuses lengths over `max`. */
int hpo__deser_str(hpo__deser *d, size_t max, char **out);
/* A size read as u64 and checked against `max` (HPO_ESPEC "implausible").
 * `max` is evaluated before the 8 bytes are consumed: compare with d->left
 * afterwards when the size counts bytes that follow. */
int hpo__deser_size(hpo__deser *d, size_t max, size_t *out);

#endif
