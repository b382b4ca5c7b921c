/*
 * dataset.c -- CSV data sets for the built-in estimators: parse, load, subset,
 * align a test set's classes to a training set's, free.
 *
 * Reference behaviour: what pandas.read_csv + scikit-learn give for the same
 * file. The header row names the columns; RFC 4180 quoting ("a ""b""", fields
 * spanning lines), LF or CRLF (a lone CR ends a line too), an optional UTF-8
 * BOM, an optional final newline; blank (or all-space) lines are skipped as
 * pandas does. Feature cells must be finite numbers (strtod, surrounding spaces
 * allowed); "" and nan are "missing value" errors. Class labels are mapped to
 * 0..K-1 in np.unique order: numerically when every label is a number, else
 * by byte order of the text; task AUTO follows type_of_target (integral or
 * textual labels -> classification, any non-integral number -> regression).
 *
 * Invariants: every message names origin:LINE:COL with 1-based line numbers
 * of the file (a record spanning lines is named by its first line) and, for
 * cell errors, the column name; a loaded data set has n >= 2, d >= 1, task set,
 * and for classification n_classes >= 2 with y in 0..n_classes-1.
 *
 * Costs: one pass to tokenize into a copy of the text (len + 1 bytes plus one
 * offset per cell), one pass to convert; classes by sorting, O(n log n).
 */
#include "ml/dataset.h"
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tokenizer */

typedef struct csv_rec {
    size_t first; /* index of the first cell */
    size_t nf;    /* number of fields */
    size_t line;  /* 1-based line of the file where the record starts */
} csv_rec;

typedef struct csv_tab {
    char *buf;     /* unescaped cell text, each NUL-terminated */
    size_t *cells; /* offsets into buf */
    size_t ncells, capcells;
    csv_rec *recs;
    size_t nrecs, caprecs;
} csv_tab;

static void csv_free(csv_tab *t)
{
    hpo__free(t->buf);
    hpo__free(t->cells);
    hpo__free(t->recs);
    memset(t, 0, sizeof *t);
}

static int push_cell(csv_tab *t, size_t off)
{
    if (t->ncells == t->capcells) {
        size_t cap = t->capcells ? 2 * t->capcells : 64;
        size_t *p = hpo__realloc(t->cells, cap * sizeof *p);
        if (!p)
            return hpo__enomem();
        t->cells = p;
        t->capcells = cap;
    }
    t->cells[t->ncells++] = off;
    return 0;
}

static int push_rec(csv_tab *t, size_t first, size_t nf, size_t line)
{
    if (t->nrecs == t->caprecs) {
        size_t cap = t->caprecs ? 2 * t->caprecs : 32;
        csv_rec *p = hpo__realloc(t->recs, cap * sizeof *p);
        if (!p)
            return hpo__enomem();
        t->recs = p;
        t->caprecs = cap;
    }
    t->recs[t->nrecs++] = (csv_rec){first, nf, line};
    return 0;
}

static int is_eol(char c)
{
    return c == '\n' || c == '\r';
}

/* Split `data` into records of unescaped fields. The copy never outgrows
 * len + 1 bytes: a cell's text is no longer than its raw bytes and its NUL
 * takes the place of the separator after it (or the one extra byte at EOF). */
static int tokenize(const char *data, size_t len, const char *origin, csv_tab *t)
{
    size_t i = 0, o = 0, line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    t->buf = hpo__malloc(len + 1);
    if (!t->buf)
        return hpo__enomem();
    while (i < len) {
        size_t j = i;
        while (j < len && (data[j] == ' ' || data[j] == '\t'))
            j++;
        if (j == len || is_eol(data[j])) { /* blank line */
            i = j;
            if (i < len) {
                if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
                    i++;
                i++;
                line++;
            }
            continue;
        }
        size_t rec_line = line, first = t->ncells, nf = 0;
        for (;;) {
            int rc = push_cell(t, o);
            if (rc)
                return rc;
            nf++;
            if (i < len && data[i] == '"') {
                size_t qline = line;
                i++;
                for (;;) {
                    if (i >= len)
                        return hpo__err(HPO_ESPEC, "%s:%zu:%zu: unterminated quoted field", origin,
                                        qline, nf);
                    char ch = data[i++];
                    if (ch == '"') {
                        if (i < len && data[i] == '"') {
                            t->buf[o++] = '"';
                            i++;
                            continue;
                        }
                        break;
                    }
                    if (ch == '\n' || (ch == '\r' && !(i < len && data[i] == '\n')))
                        line++;
                    t->buf[o++] = ch;
                }
                if (i < len && data[i] != ',' && !is_eol(data[i]))
                    return hpo__err(HPO_ESPEC,
                                    "%s:%zu:%zu: unexpected character after a closing quote",
                                    origin, line, nf);
            } else {
                while (i < len && data[i] != ',' && !is_eol(data[i]))
                    t->buf[o++] = data[i++];
            }
            t->buf[o++] = '\0';
            if (i < len && data[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        if (i < len) { /* at an end of line */
            if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
                i++;
            i++;
            line++;
        }
        int rc = push_rec(t, first, nf, rec_line);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- cells */

static const char *cell(const csv_tab *t, const csv_rec *r, size_t j)
{
    return t->buf + t->cells[r->first + j];
}

/* Text from the file for a message: at most 80 bytes, control characters as
 * '?', so that a message stays one line. */
static void shown(char out[96], const char *s)
{
    size_t k = 0;
    for (; s[k] && k < 80; k++)
        out[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
    if (s[k] && k == 80) {
        memcpy(out + k, "...", 4);
        return;
    }
    out[k] = '\0';
}

static int blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

/* strtod over the whole cell, spaces around allowed: 0 or -1. */
static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* A feature or numeric target cell: 0 or HPO_ESPEC naming the cell. */
static int number_cell(const char *s, const char *origin, size_t line, size_t col, const char *name,
                       double *out)
{
    char txt[96], nm[96];
    double v;
    shown(nm, name);
    name = nm;
    if (blank(s))
        return hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': missing value", origin, line, col,
                        name);
    if (parse_num(s, &v) != 0) {
        shown(txt, s);
        return hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': '%s' is not a number", origin, line,
                        col, name, txt);
    }
    if (isnan(v)) {
        shown(txt, s);
        return hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': missing value ('%s')", origin, line,
                        col, name, txt);
    }
    if (isinf(v)) {
        shown(txt, s);
        return hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': '%s' is not a finite number", origin,
                        line, col, name, txt);
    }
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- classes */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted unique values of v[0..n-1] into u (size n); returns the count. */
static size_t unique_doubles(const double *v, size_t n, double *u)
{
    memcpy(u, v, n * sizeof *u);
    qsort(u, n, sizeof *u, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || u[k - 1] != u[i])
            u[k++] = u[i];
    return k;
}

static size_t unique_strs(const char **v, size_t n, const char **u)
{
    memcpy(u, v, n * sizeof *u);
    qsort(u, n, sizeof *u, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(u[k - 1], u[i]) != 0)
            u[k++] = u[i];
    return k;
}

/* An integral numeric label as np.unique shows an integer: "10", not "1e+01". */
static void label_text(char *buf, size_t size, double v)
{
    if (fabs(v) < 1e17)
        snprintf(buf, size, "%.0f", v == 0 ? 0.0 : v);
    else
        hpo__fmt_double(buf, size, v);
}

/* ---------------------------------------------------------------- tables */

/* Tokenize and check the header: a header row, its names non-blank and
 * distinct (messages name origin:LINE:COL). */
static int read_table(const char *data, size_t len, const char *origin, csv_tab *t)
{
    char txt[96];
    int rc = tokenize(data ? data : "", len, origin, t);
    if (rc)
        return rc;
    if (t->nrecs == 0)
        return hpo__err(HPO_ESPEC, "%s: empty file (expected a header row and data rows)", origin);
    const csv_rec *hdr = &t->recs[0];
    for (size_t j = 0; j < hdr->nf; j++) {
        const char *name = cell(t, hdr, j);
        if (blank(name))
            return hpo__err(HPO_ESPEC, "%s:%zu:%zu: empty column name in the header", origin,
                            hdr->line, j + 1);
        for (size_t k = 0; k < j; k++)
            if (strcmp(cell(t, hdr, k), name) == 0) {
                shown(txt, name);
                return hpo__err(HPO_ESPEC,
                                "%s:%zu:%zu: duplicate column name '%s' (also column %zu)", origin,
                                hdr->line, j + 1, txt, k + 1);
            }
    }
    return 0;
}

/* Every data row has as many fields as the header. */
static int check_widths(const csv_tab *t, const char *origin)
{
    size_t ncols = t->recs[0].nf;
    for (size_t r = 1; r < t->nrecs; r++)
        if (t->recs[r].nf != ncols) {
            size_t nf = t->recs[r].nf;
            return hpo__err(HPO_ESPEC, "%s:%zu:%zu: row has %zu field%s but the header has %zu",
                            origin, t->recs[r].line, (nf < ncols ? nf : ncols) + 1, nf,
                            nf == 1 ? "" : "s", ncols);
        }
    return 0;
}

/* ---------------------------------------------------------------- parse */

int hpo__dataset_parse_csv(const char *data, size_t len, const char *origin, const char *target,
                           hpo__task task, hpo__dataset **out)
{
    csv_tab t = {0};
    hpo__dataset *ds = NULL;
    const char **names = NULL, **labels = NULL, **ulab = NULL;
    double *vals = NULL, *uval = NULL;
    char txt[96];
    int rc = 0;

    if (!out || (!data && len))
        return hpo__err(HPO_EINVAL, "dataset: no output or no data");
    *out = NULL;
    if (!origin)
        origin = "<csv>";
    if ((rc = read_table(data, len, origin, &t)) != 0)
        goto done;

    /* header: names and the target column */
    const csv_rec *hdr = &t.recs[0];
    size_t ncols = hdr->nf;
    names = hpo__calloc(ncols, sizeof *names);
    if (!names) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t j = 0; j < ncols; j++)
        names[j] = cell(&t, hdr, j);
    size_t tcol = ncols;
    if (target && *target) {
        for (size_t j = 0; j < ncols; j++)
            if (strcmp(names[j], target) == 0)
                tcol = j;
    }
    if (tcol == ncols) {
        if (!target || !*target || strcmp(target, "last") == 0) {
            tcol = ncols - 1;
        } else {
            const char *s = hpo__suggest(target, names, ncols);
            char sug[96];
            shown(txt, target);
            if (s)
                shown(sug, s);
            rc = s ? hpo__err(HPO_ESPEC, "%s:%zu: no target column '%s' (did you mean '%s'?)",
                              origin, hdr->line, txt, sug)
                   : hpo__err(HPO_ESPEC, "%s:%zu: no target column '%s' in the header", origin,
                              hdr->line, txt);
            goto done;
        }
    }
    const char *tname = names[tcol];
    char tshown[96];
    shown(tshown, tname);
    if (ncols < 2) {
        rc = hpo__err(HPO_ESPEC, "%s:%zu: needs at least one feature column besides the target",
                      origin, hdr->line);
        goto done;
    }

    /* data rows */
    size_t n = t.nrecs - 1, d = ncols - 1;
    if (n == 0) {
        rc = hpo__err(HPO_ESPEC, "%s: no data rows (only a header)", origin);
        goto done;
    }
    if (n < 2) {
        rc = hpo__err(HPO_ESPEC, "%s:%zu: needs at least 2 data rows, found 1", origin,
                      t.recs[1].line);
        goto done;
    }
    if ((rc = check_widths(&t, origin)) != 0)
        goto done;
    if (n > SIZE_MAX / sizeof(double) / d) {
        rc = hpo__enomem();
        goto done;
    }

    ds = hpo__calloc(1, sizeof *ds);
    if (!ds) {
        rc = hpo__enomem();
        goto done;
    }
    ds->n = n;
    ds->d = d;
    ds->X = hpo__malloc(n * d * sizeof *ds->X);
    ds->y = hpo__malloc(n * sizeof *ds->y);
    ds->feature_names = hpo__calloc(d, sizeof *ds->feature_names);
    ds->target_name = hpo__strdup(tname);
    labels = hpo__calloc(n, sizeof *labels);
    vals = hpo__calloc(n, sizeof *vals);
    if (!ds->X || !ds->y || !ds->feature_names || !ds->target_name || !labels || !vals) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t j = 0, f = 0; j < ncols; j++) {
        if (j == tcol)
            continue;
        if (!(ds->feature_names[f++] = hpo__strdup(names[j]))) {
            rc = hpo__enomem();
            goto done;
        }
    }

    int all_numeric = 1, integral = 1;
    size_t first_text = 0, first_frac = 0;
    for (size_t i = 0; i < n; i++) {
        const csv_rec *r = &t.recs[i + 1];
        double *row = ds->X + i * d;
        for (size_t j = 0, f = 0; j < ncols; j++) {
            if (j == tcol)
                continue;
            if ((rc = number_cell(cell(&t, r, j), origin, r->line, j + 1, names[j], &row[f++])))
                goto done;
        }
        const char *lab = cell(&t, r, tcol);
        labels[i] = lab;
        double v;
        if (blank(lab)) {
            rc = hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': missing value", origin, r->line,
                          tcol + 1, tshown);
            goto done;
        }
        if (parse_num(lab, &v) != 0) {
            if (all_numeric)
                first_text = i;
            all_numeric = 0;
            continue;
        }
        if (!isfinite(v)) {
            rc = number_cell(lab, origin, r->line, tcol + 1, tname, &v);
            goto done;
        }
        vals[i] = v;
        if (integral && v != floor(v)) {
            integral = 0;
            first_frac = i;
        }
    }

    if (task == HPO__TASK_AUTO)
        task = !all_numeric || integral ? HPO__TASK_CLASSIFICATION : HPO__TASK_REGRESSION;
    ds->task = task;
    if (task == HPO__TASK_REGRESSION) {
        if (!all_numeric) {
            const csv_rec *r = &t.recs[first_text + 1];
            shown(txt, labels[first_text]);
            rc = hpo__err(HPO_ESPEC,
                          "%s:%zu:%zu: column '%s': '%s' is not a number (a regression "
                          "target must be numeric)",
                          origin, r->line, tcol + 1, tshown, txt);
            goto done;
        }
        memcpy(ds->y, vals, n * sizeof *vals);
        rc = 0;
        goto done;
    }
    if (task != HPO__TASK_CLASSIFICATION) {
        rc = hpo__err(HPO_EINVAL, "dataset: unknown task %d", (int)task);
        goto done;
    }
    if (all_numeric && !integral) {
        const csv_rec *r = &t.recs[first_frac + 1];
        shown(txt, labels[first_frac]);
        rc = hpo__err(HPO_ESPEC,
                      "%s:%zu:%zu: column '%s': '%s' is not a class label (the target is "
                      "continuous; use a regression estimator)",
                      origin, r->line, tcol + 1, tshown, txt);
        goto done;
    }

    size_t k;
    if (all_numeric) {
        if (!(uval = hpo__malloc(n * sizeof *uval))) {
            rc = hpo__enomem();
            goto done;
        }
        k = unique_doubles(vals, n, uval);
    } else {
        if (!(ulab = hpo__malloc(n * sizeof *ulab))) {
            rc = hpo__enomem();
            goto done;
        }
        k = unique_strs(labels, n, ulab);
    }
    if (k < 2) {
        if (all_numeric)
            label_text(txt, sizeof txt, uval[0]);
        else
            shown(txt, ulab[0]);
        rc = hpo__err(HPO_ESPEC,
                      "%s:%zu:%zu: column '%s': classification needs at least 2 classes, "
                      "found only '%s'",
                      origin, hdr->line, tcol + 1, tshown, txt);
        goto done;
    }
    ds->n_classes = k;
    if (!(ds->class_names = hpo__calloc(k, sizeof *ds->class_names))) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t c = 0; c < k; c++) {
        char num[400];
        if (all_numeric)
            label_text(num, sizeof num, uval[c]);
        if (!(ds->class_names[c] = hpo__strdup(all_numeric ? num : ulab[c]))) {
            rc = hpo__enomem();
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t pos;
        if (all_numeric) {
            const double *p = bsearch(&vals[i], uval, k, sizeof *uval, cmp_double);
            pos = (size_t)(p - uval);
        } else {
            const char **p = bsearch(&labels[i], ulab, k, sizeof *ulab, cmp_str);
            pos = (size_t)(p - ulab);
        }
        ds->y[i] = (double)pos;
    }
    rc = 0;

done:
    hpo__free(names);
    hpo__free(labels);
    hpo__free(ulab);
    hpo__free(vals);
    hpo__free(uval);
    csv_free(&t);
    if (rc) {
        hpo__dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

int hpo__dataset_load_csv(const char *path, const char *target, hpo__task task, hpo__dataset **out)
{
    char *text = NULL;
    size_t len = 0;
    if (!path || !out)
        return hpo__err(HPO_EINVAL, "dataset: no path or no output");
    *out = NULL;
    int rc = hpo__read_file(path, &text, &len);
    if (rc == 0)
        rc = hpo__dataset_parse_csv(text, len, path, target, task, out);
    hpo__free(text);
    return rc;
}

/* ---------------------------------------------------------------- subset, align, free */

static char **dup_strs(char *const *v, size_t n)
{
    char **c = hpo__calloc(n, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] && !(c[i] = hpo__strdup(v[i]))) {
            for (size_t j = 0; j < i; j++)
                hpo__free(c[j]);
            hpo__free(c);
            return NULL;
        }
    }
    return c;
}

static void free_strs(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        hpo__free(v[i]);
    hpo__free(v);
}

int hpo__dataset_subset(const hpo__dataset *ds, const size_t *rows, size_t m, hpo__dataset **out)
{
    hpo__dataset *s = NULL;
    int rc = 0;
    if (!ds || !out || (!rows && m))
        return hpo__err(HPO_EINVAL, "dataset subset: no data set, rows or output");
    *out = NULL;
    for (size_t i = 0; i < m; i++)
        if (rows[i] >= ds->n)
            return hpo__err(HPO_EINVAL, "dataset subset: row %zu out of range (n = %zu)", rows[i],
                            ds->n);
    if (ds->d && m > SIZE_MAX / sizeof(double) / ds->d)
        return hpo__enomem();
    if (!(s = hpo__calloc(1, sizeof *s)))
        return hpo__enomem();
    s->n = m;
    s->d = ds->d;
    s->task = ds->task;
    s->n_classes = ds->n_classes;
    s->X = hpo__malloc(m * ds->d * sizeof *s->X);
    s->y = hpo__malloc(m * sizeof *s->y);
    s->feature_names = ds->feature_names ? dup_strs(ds->feature_names, ds->d) : NULL;
    s->class_names = ds->class_names ? dup_strs(ds->class_names, ds->n_classes) : NULL;
    s->target_name = hpo__strdup(ds->target_name);
    if (!s->X || !s->y || (ds->feature_names && !s->feature_names) ||
        (ds->class_names && !s->class_names) || (ds->target_name && !s->target_name)) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        if (ds->d)
            memcpy(s->X + i * ds->d, ds->X + rows[i] * ds->d, ds->d * sizeof *s->X);
        s->y[i] = ds->y[rows[i]];
    }

done:
    if (rc) {
        hpo__dataset_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int hpo__dataset_align_classes(hpo__dataset *ds, const hpo__dataset *ref)
{
    size_t *map = NULL;
    char **names = NULL;
    double *y = NULL;
    int rc = 0;
    if (!ds || !ref)
        return hpo__err(HPO_EINVAL, "dataset align: no data set");
    if (ds->task != HPO__TASK_CLASSIFICATION || ref->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_ESPEC, "dataset align: both data sets must be for classification");
    map = hpo__calloc(ds->n_classes, sizeof *map);
    y = hpo__malloc(ds->n * sizeof *y);
    names = dup_strs(ref->class_names, ref->n_classes);
    if (!map || !y || !names) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t c = 0; c < ds->n_classes; c++) {
        size_t r = 0;
        while (r < ref->n_classes && strcmp(ref->class_names[r], ds->class_names[c]) != 0)
            r++;
        if (r == ref->n_classes) {
            char txt[96], nm[96];
            shown(txt, ds->class_names[c]);
            shown(nm, ds->target_name ? ds->target_name : "target");
            rc =
                hpo__err(HPO_ESPEC, "column '%s': label '%s' is not among the %zu training classes",
                         nm, txt, ref->n_classes);
            goto done;
        }
        map[c] = r;
    }
    for (size_t i = 0; i < ds->n; i++)
        y[i] = (double)map[(size_t)ds->y[i]];
    memcpy(ds->y, y, ds->n * sizeof *y);
    free_strs(ds->class_names, ds->n_classes);
    ds->class_names = names;
    ds->n_classes = ref->n_classes;
    names = NULL;

done:
    hpo__free(map);
    hpo__free(y);
    free_strs(names, ref->n_classes);
    return rc;
}

void hpo__dataset_free(hpo__dataset *ds)
{
    if (!ds)
        return;
    hpo__free(ds->X);
    hpo__free(ds->y);
    free_strs(ds->class_names, ds->n_classes);
    free_strs(ds->feature_names, ds->d);
    hpo__free(ds->target_name);
    hpo__free(ds);
}

/* ---------------------------------------------------------------- rows like a reference */

/* The class index of label text `lab` in ref's classes, or -1. Numeric labels
 * compare by value (so "1.0" finds class "1"). */
static long class_of(const hpo__dataset *ref, const char *lab)
{
    double v, w;
    int num = parse_num(lab, &v) == 0;
    for (size_t c = 0; c < ref->n_classes; c++) {
        if (strcmp(ref->class_names[c], lab) == 0)
            return (long)c;
        if (num && parse_num(ref->class_names[c], &w) == 0 && v == w)
            return (long)c;
    }
    return -1;
}

int hpo__dataset_parse_like(const char *data, size_t len, const char *origin,
                            const hpo__dataset *ref, int need_target, hpo__dataset **out,
                            int *has_target)
{
    csv_tab t = {0};
    hpo__dataset *ds = NULL;
    size_t *col_of = NULL; /* feature f -> column */
    char txt[96], nm[96];
    int rc = 0;
    if (!out || !ref || (!data && len))
        return hpo__err(HPO_EINVAL, "dataset: no output, reference or data");
    *out = NULL;
    if (has_target)
        *has_target = 0;
    if (!origin)
        origin = "<csv>";
    if ((rc = read_table(data, len, origin, &t)) != 0)
        goto done;
    const csv_rec *hdr = &t.recs[0];
    size_t ncols = hdr->nf, tcol = ncols;
    col_of = hpo__malloc((ref->d ? ref->d : 1) * sizeof *col_of);
    if (!col_of) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t f = 0; f < ref->d; f++)
        col_of[f] = ncols;
    for (size_t j = 0; j < ncols; j++) {
        const char *name = cell(&t, hdr, j);
        if (ref->target_name && strcmp(name, ref->target_name) == 0) {
            tcol = j;
            continue;
        }
        size_t f = 0;
        while (f < ref->d && strcmp(ref->feature_names[f], name) != 0)
            f++;
        if (f == ref->d) {
            const char *sug = hpo__suggest(name, (const char *const *)ref->feature_names, ref->d);
            shown(txt, name);
            if (sug)
                shown(nm, sug);
            rc = sug ? hpo__err(HPO_ESPEC,
                                "%s:%zu:%zu: column '%s' is not a feature of the model "
                                "(did you mean '%s'?)",
                                origin, hdr->line, j + 1, txt, nm)
                     : hpo__err(HPO_ESPEC,
                                "%s:%zu:%zu: column '%s' is not a feature of the model nor its "
                                "target",
                                origin, hdr->line, j + 1, txt);
            goto done;
        }
        col_of[f] = j;
    }
    for (size_t f = 0; f < ref->d; f++)
        if (col_of[f] == ncols) {
            shown(txt, ref->feature_names[f]);
            rc = hpo__err(HPO_ESPEC, "%s:%zu: no column '%s' (a feature of the model)", origin,
                          hdr->line, txt);
            goto done;
        }
    if (need_target && tcol == ncols) {
        shown(txt, ref->target_name ? ref->target_name : "");
        rc = hpo__err(HPO_ESPEC, "%s:%zu: no target column '%s'", origin, hdr->line, txt);
        goto done;
    }
    size_t n = t.nrecs - 1, d = ref->d;
    if (n == 0) {
        rc = hpo__err(HPO_ESPEC, "%s: no data rows (only a header)", origin);
        goto done;
    }
    if ((rc = check_widths(&t, origin)) != 0)
        goto done;
    if (d && n > SIZE_MAX / sizeof(double) / d) {
        rc = hpo__enomem();
        goto done;
    }
    if (!(ds = hpo__calloc(1, sizeof *ds))) {
        rc = hpo__enomem();
        goto done;
    }
    ds->n = n;
    ds->d = d;
    ds->task = ref->task;
    ds->n_classes = ref->n_classes;
    ds->X = hpo__malloc((n * d > 0 ? n * d : 1) * sizeof *ds->X);
    ds->y = hpo__calloc(n, sizeof *ds->y);
    ds->feature_names = dup_strs(ref->feature_names, d);
    ds->target_name = hpo__strdup(ref->target_name ? ref->target_name : "target");
    if (ref->n_classes && !(ds->class_names = dup_strs(ref->class_names, ref->n_classes))) {
        rc = hpo__enomem();
        goto done;
    }
    if (!ds->X || !ds->y || !ds->feature_names || !ds->target_name) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const csv_rec *r = &t.recs[i + 1];
        for (size_t f = 0; f < d; f++)
            if ((rc = number_cell(cell(&t, r, col_of[f]), origin, r->line, col_of[f] + 1,
                                  ref->feature_names[f], &ds->X[i * d + f])) != 0)
                goto done;
        if (tcol == ncols)
            continue;
        const char *lab = cell(&t, r, tcol);
        if (ref->task == HPO__TASK_REGRESSION) {
            if ((rc = number_cell(lab, origin, r->line, tcol + 1, ds->target_name, &ds->y[i])))
                goto done;
            continue;
        }
        long c = blank(lab) ? -1 : class_of(ref, lab);
        if (c < 0) {
            shown(txt, lab);
            shown(nm, ds->target_name);
            rc = blank(lab) ? hpo__err(HPO_ESPEC, "%s:%zu:%zu: column '%s': missing value", origin,
                                       r->line, tcol + 1, nm)
                            : hpo__err(HPO_ESPEC,
                                       "%s:%zu:%zu: column '%s': class '%s' was not in the "
                                       "training data",
                                       origin, r->line, tcol + 1, nm, txt);
            goto done;
        }
        ds->y[i] = (double)c;
    }
    if (has_target)
        *has_target = tcol != ncols;
    rc = 0;
done:
    hpo__free(col_of);
    csv_free(&t);
    if (rc) {
        hpo__dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

int hpo__dataset_load_like(const char *path, const hpo__dataset *ref, int need_target,
                           hpo__dataset **out, int *has_target)
{
    char *text = NULL;
    size_t len = 0;
    if (!path || !out)
        return hpo__err(HPO_EINVAL, "dataset: no path or no output");
    int rc = hpo__read_file(path, &text, &len);
    if (rc == 0)
        rc = hpo__dataset_parse_like(text, len, path, ref, need_target, out, has_target);
    hpo__free(text);
    return rc;
}
