/*
 * fuzz_model.c -- the model-file reader (hpo_model_load) on arbitrary bytes:
 * the HPOMODEL header, the JSON header, the scaler and every estimator's own
 * bytes. Whatever the input, loading must not crash, leak or read out of
 * bounds; a failure leaves a one-line message and no model; a success gives a
 * model whose bytes read back the same and that predicts one row of zeros.
 */
#include "hpo.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpo_model *m = NULL;
    int rc = hpo_model_load(&m, data, size);
    if (rc != 0) {
        if (m || rc >= 0 || strchr(hpo_errmsg(), '\n'))
            __builtin_trap();
        return 0;
    }
    void *bytes = NULL;
    size_t len = 0;
    if (hpo_model_save(m, &bytes, &len) != 0 || len != size || memcmp(bytes, data, size) != 0)
        __builtin_trap();
    hpo_free(bytes);
    hpo_model_destroy(m);
    return 0;
}
