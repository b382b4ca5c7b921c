/*
 * fuzz_spec.c -- the study-spec parser on arbitrary bytes, as YAML and as JSON:
 * it must return a code and a message, never crash, leak or read out of bounds.
 */
#include "hpo.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *origins[2] = {"fuzz.yaml", "fuzz.json"};
    for (int i = 0; i < 2; i++) {
        hpo_spec *spec = NULL;
        if (hpo_spec_parse(&spec, text, size, origins[i]) == 0) {
            char *plan = NULL;
            if (hpo_spec_plan_json(spec, 3, &plan) == 0)
                hpo_free(plan);
            hpo_spec_destroy(spec);
        }
    }
    return 0;
}
