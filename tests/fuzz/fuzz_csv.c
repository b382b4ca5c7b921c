/*
 * fuzz_csv.c -- the CSV data-set parser on arbitrary bytes, target "last",
 * task AUTO. Whatever the input, parsing must not crash, leak or read out of
 * bounds; a success must satisfy the data-set invariants (n >= 2, d >= 1,
 * finite X, class indices in range), and a failure must leave a one-line
 * message and no data set.
 */
#include "hpo.h"
#include "ml/dataset.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpo__dataset *ds = NULL;
    int rc =
        hpo__dataset_parse_csv((const char *)data, size, "fuzz.csv", "last", HPO__TASK_AUTO, &ds);
    if (rc != 0) {
        if (ds || rc >= 0 || strchr(hpo_errmsg(), '\n'))
            __builtin_trap();
        return 0;
    }
    if (!ds || ds->n < 2 || ds->d < 1)
        __builtin_trap();
    for (size_t i = 0; i < ds->n * ds->d; i++)
        if (!isfinite(ds->X[i]))
            __builtin_trap();
    if (ds->task == HPO__TASK_CLASSIFICATION) {
        if (ds->n_classes < 2)
            __builtin_trap();
        for (size_t i = 0; i < ds->n; i++)
            if (!(ds->y[i] >= 0 && ds->y[i] < (double)ds->n_classes))
                __builtin_trap();
    } else if (ds->task != HPO__TASK_REGRESSION) {
        __builtin_trap();
    }
    hpo__dataset_free(ds);
    return 0;
}
