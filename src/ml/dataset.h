/*
 * dataset.h -- tabular and image data for built-in estimators (issue 3).
 *
 * A data set is a dense row-major matrix of doubles plus a target vector. For
 * classification the target holds class indices 0..n_classes-1 in the order
 * scikit-learn's LabelEncoder / np.unique gives (numeric labels sorted by value,
 * string labels sorted by byte order), with the original labels kept as text.
 */
#ifndef HPO_ML_DATASET_H
#define HPO_ML_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef enum hpo__task {
    HPO__TASK_AUTO = 0, /* infer as scikit-learn's type_of_target does */
    HPO__TASK_CLASSIFICATION = 1,
    HPO__TASK_REGRESSION = 2
} hpo__task;

typedef struct hpo__dataset {
    size_t n, d;          /* rows, features */
    double *X;            /* n*d, row-major */
    double *y;            /* n: class index (classification) or value (regression) */
    hpo__task task;       /* never AUTO once loaded */
    size_t n_classes;     /* classification only */
    char **class_names;   /* n_classes labels as text, in class-index order */
    char **feature_names; /* d names */
    char *target_name;
} hpo__dataset;

/* Parse CSV text with a header row (RFC 4180 quotes, LF or CRLF, optional
 * UTF-8 BOM, blank lines ignored). `target`: a column name, "last" or NULL
 * (= last; a column literally named "last" wins). `task` AUTO infers as
 * type_of_target does: classification when the labels are non-numeric or all
 * integral numbers (so an integer-valued regression target such as diabetes'
 * needs HPO__TASK_REGRESSION), regression otherwise. Errors (HPO_ESPEC with
 * "origin:LINE:COL: column 'name': ..." with 1-based file line and column):
 * ragged rows, a missing ("", nan) or non-numeric feature value, an empty file,
 * no data rows or fewer than 2, duplicate or empty column names, a target
 * column that does not exist (did-you-mean), a single class, a non-numeric
 * regression target, a continuous target for classification. */
int hpo__dataset_parse_csv(const char *data, size_t len, const char *origin, const char *target,
                           hpo__task task, hpo__dataset **out);
int hpo__dataset_load_csv(const char *path, const char *target, hpo__task task, hpo__dataset **out);
/* IDX files (optionally gzip-compressed, as Debian's dataset-fashion-mnist
 * ships them): images (n x rows x cols, ubyte, scaled to [0,1]) and labels. */
int hpo__dataset_load_idx(const char *images, const char *labels, hpo__dataset **out);
/* Rows `rows[0..m-1]` as a new data set (same classes and names). */
int hpo__dataset_subset(const hpo__dataset *ds, const size_t *rows, size_t m, hpo__dataset **out);
/* Re-express a classification data set's `y` (e.g. a separate test set) in
 * `ref`'s class indices and names; HPO_ESPEC naming a label `ref` lacks or a
 * task mismatch. On error `ds` is unchanged. */
int hpo__dataset_align_classes(hpo__dataset *ds, const hpo__dataset *ref);
void hpo__dataset_free(hpo__dataset *ds);
/* Rows laid out like `ref` (a training set): the header names ref's features
 * in any order and, optionally, its target column (required when need_target);
 * any other column is an error (did-you-mean). X comes out in ref's feature
 * order, y in ref's classes (a label not among them is an error naming it) or
 * values; n >= 1 (a test set or rows to predict). *has_target (may be NULL)
 * says whether the target column was there (y is 0 otherwise). */
int hpo__dataset_parse_like(const char *data, size_t len, const char *origin,
                            const hpo__dataset *ref, int need_target, hpo__dataset **out,
                            int *has_target);
int hpo__dataset_load_like(const char *path, const hpo__dataset *ref, int need_target,
                           hpo__dataset **out, int *has_target);

/* Preprocessing fitted on training rows only, then applied to any rows. */
typedef enum hpo__scaling {
    HPO__SCALE_NONE = 0,
    HPO__SCALE_STANDARD = 1, /* sklearn StandardScaler: mean, population std (std 0 -> 1) */
    HPO__SCALE_MINMAX = 2    /* sklearn MinMaxScaler to [0, 1] (range 0 -> 1) */
} hpo__scaling;

typedef struct hpo__scaler {
    hpo__scaling kind;
    size_t d;
    double *shift, *scale; /* x' = (x - shift) / scale */
} hpo__scaler;

/* Fit on rows 0..n-1 of X (n x d). HPO_EINVAL for n == 0; HPO_ENOMEM. */
int hpo__scaler_fit(hpo__scaling kind, const double *X, size_t n, size_t d, hpo__scaler *out);
/* Fit on rows[0..m-1] of X (d columns): a fold's training part, no copy. */
int hpo__scaler_fit_rows(hpo__scaling kind, const double *X, size_t d, const size_t *rows, size_t m,
                         hpo__scaler *out);
/* In place on n rows of d columns. */
void hpo__scaler_apply(const hpo__scaler *s, double *X, size_t n);
/* Frees the arrays and zeroes *s; NULL is fine. */
void hpo__scaler_free(hpo__scaler *s);

#endif
