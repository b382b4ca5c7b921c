/*
 * fuzz_snapshot.c -- a study's JSON export (hpo_snapshot_from_json's input) on
 * arbitrary bytes, then every plot kind that applies, as SVG and text. Whatever
 * the input (NaN or huge values, negative bounds of log parameters, unknown
 * labels, reports out of order, empty spaces), loading and drawing must not
 * crash, leak or read out of bounds; a failure leaves a one-line message and no
 * snapshot; a plot is a document that starts with "<svg" and ends "</svg>\n".
 */
#include "hpo.h"
#include "report/snapshot.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpo_snapshot *s = NULL;
    int rc = hpo__snapshot_from_json_text((const char *)data, size, "fuzz.json", &s);
    if (rc != 0) {
        if (s || rc >= 0 || strchr(hpo_errmsg(), '\n'))
            __builtin_trap();
        return 0;
    }
    if (!s)
        __builtin_trap();
    /* the model-based kinds fit forests and a GP: keep the fuzzer fast */
    int small = hpo_snapshot_n_trials(s) <= 64;
    for (const char *const *k = hpo_plot_kinds(); *k; k++) {
        if (!small && (strcmp(*k, "importance") == 0 || strcmp(*k, "dependence") == 0))
            continue;
        char *out = NULL;
        size_t len = 0;
        const char *why = NULL;
        int applies = hpo_plot_applies(s, *k, &why);
        rc = hpo_plot(s, *k, NULL, &out, &len);
        if (applies && rc != 0 && rc != HPO_ENOMEM && rc != HPO_EINVAL)
            __builtin_trap();
        if (!applies && rc == 0)
            __builtin_trap();
        if (rc == 0) {
            if (len < 12 || strncmp(out, "<svg", 4) != 0 || strcmp(out + len - 7, "</svg>\n") != 0)
                __builtin_trap();
        } else if (out || strchr(hpo_errmsg(), '\n')) {
            __builtin_trap();
        }
        hpo_free(out);
    }
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    o.format = HPO_PLOT_TEXT;
    char *text = NULL;
    if (hpo_plot(s, "history", &o, &text, NULL) == 0 && !text)
        __builtin_trap();
    hpo_free(text);
    hpo_snapshot_destroy(s);
    return 0;
}
