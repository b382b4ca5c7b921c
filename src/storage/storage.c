/*
 * storage.c -- opening a storage by URI and the row destructors every back end
 * and caller share.
 *
 * URI forms: NULL or "memory:" (a new, empty in-process store per handle);
 * "sqlite:///rel/path" or "sqlite:////abs/path" (SQLAlchemy's form),
 * "sqlite:path" or a plain path
 * (SQLite file). "postgresql://..." is recognised but not built yet (HPO_EINVAL).
 * A word followed by "://" that names no back end is HPO_EINVAL; a word and a
 * single ':' without "//" ("runs:v1.db") is taken as a plain path.
 *
 * Invariant: a handle returned by hpo__storage_open has ops and uri set; the
 * back end owns everything else. Costs: parsing is O(length of the URI).
 */
#include "storage/storage.h"

#include "util/util.h"

#include <ctype.h>
#include <string.h>

/* Back ends, by scheme. A new back end is one line here. */
static const hpo__storage_ops *const backends[] = {
    &hpo__storage_memory_ops,
    &hpo__storage_sqlite_ops,
};

/* Schemes users may reasonably type that have no back end yet. */
static const char *const planned[] = {"postgresql", "postgres", "mysql"};

/* Length of a URI scheme at the start of `uri` (letters, digits, '+', '-', '.',
 * starting with a letter) when it is followed by ':'; 0 otherwise. */
static size_t scheme_length(const char *uri)
{
    size_t i = 0;
    if (!isalpha((unsigned char)uri[0]))
        return 0;
    while (isalnum((unsigned char)uri[i]) || uri[i] == '+' || uri[i] == '-' || uri[i] == '.')
        i++;
    return uri[i] == ':' ? i : 0;
}

static const hpo__storage_ops *find_backend(const char *scheme, size_t len)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        const char *name = backends[i]->scheme;
        if (strlen(name) == len && strncmp(name, scheme, len) == 0)
            return backends[i];
    }
    if (len == 7 && strncmp(scheme, "sqlite3", 7) == 0)
        return &hpo__storage_sqlite_ops;
    return NULL;
}

int hpo__storage_open(hpo__storage **out, const char *uri)
{
    if (!out)
        return hpo__err(HPO_EINVAL, "hpo__storage_open: out is required");
    const char *given = uri ? uri : "memory:";
    const hpo__storage_ops *ops = NULL;
    const char *location = NULL;

    size_t slen = scheme_length(given);
    if (slen > 0) {
        const char *rest = given + slen + 1;
        int slashes = strncmp(rest, "//", 2) == 0;
        ops = find_backend(given, slen);
        for (size_t i = 0; !ops && i < sizeof planned / sizeof planned[0]; i++) {
            if (strlen(planned[i]) == slen && strncmp(planned[i], given, slen) == 0)
                return hpo__err(HPO_EINVAL, "storage %s: %.*s storage is not available yet", given,
                                (int)slen, given);
        }
        if (!ops && slashes)
            return hpo__err(HPO_EINVAL,
                            "storage %s: unknown scheme '%.*s' (expected memory: or sqlite:)",
                            given, (int)slen, given);
        if (ops) {
            /* SQLAlchemy's (and Optuna's) form: "sqlite:///rel.db" -> "rel.db",
             * "sqlite:////abs.db" -> "/abs.db"; also "sqlite://rel" and "sqlite:p". */
            location = slashes ? rest + 2 : rest;
            if (slashes && location[0] == '/')
                location++;
        }
    }
    if (!ops) {
        ops = &hpo__storage_sqlite_ops;
        location = given;
    }
    if (ops == &hpo__storage_sqlite_ops && location[0] == '\0')
        return hpo__err(HPO_EINVAL, "storage %s: no file path given", given);
    if (ops->version != HPO__STORAGE_OPS_VERSION)
        return hpo__err(HPO_EINVAL, "storage %s: back end has ops version %u, expected %u", given,
                        ops->version, (unsigned)HPO__STORAGE_OPS_VERSION);

    char *copy = hpo__strdup(given);
    if (!copy)
        return hpo__enomem();
    hpo__storage *st = NULL;
    int rc = ops->open(&st, location);
    if (rc != 0) {
        hpo__free(copy);
        return rc;
    }
    st->ops = ops;
    st->uri = copy;
    *out = st;
    return 0;
}

void hpo__storage_close(hpo__storage *st)
{
    if (!st)
        return;
    char *uri = st->uri;
    st->ops->close(st);
    hpo__free(uri);
}

void hpo__study_row_free(hpo__study_row *row)
{
    if (!row)
        return;
    hpo__free(row->name);
    hpo__free(row->sampler);
    hpo__free(row->sampler_options_json);
    hpo__free(row->scheduler);
    hpo__free(row->scheduler_options_json);
    hpo__free(row->space_json);
    hpo__free(row->objective_json);
    hpo__free(row->spec_text);
    memset(row, 0, sizeof *row);
}

void hpo__trial_row_free(hpo__trial_row *row)
{
    if (!row)
        return;
    hpo__free(row->params_json);
    hpo__free(row->message);
    hpo__free(row->attrs_json);
    hpo__free(row->worker);
    hpo__free(row->reports);
    memset(row, 0, sizeof *row);
}

void hpo__trial_rows_free(hpo__trial_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        hpo__trial_row_free(&rows[i]);
    hpo__free(rows);
}
