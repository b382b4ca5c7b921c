/*
 * fuzz_metric.c -- the metric-line parser on arbitrary bytes: the zero-config
 * matcher, a PCRE2 pattern with value/step groups, and the results-file reader.
 * Whatever the input, the scan must not crash, leak or read out of bounds; the
 * match count and the final value must agree with the callback's view.
 */
#include "objectives/metric.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(long long step, double value, void *payload)
{
    (void)step;
    (void)value;
    ++*(size_t *)payload;
    return 0;
}

static void scan(const hpo__metric_config *cfg, const char *text, size_t len, int results)
{
    hpo__metric *m = NULL;
    if (hpo__metric_create(&m, cfg) != 0)
        return;
    size_t seen = 0, n = 0;
    double v = 0;
    int rc = results ? hpo__metric_parse_results(m, text, len, count, &seen, &v, &n)
                     : hpo__metric_parse(m, text, len, count, &seen, &v, &n);
    if (rc == 0 && (seen != n || (n == 0 && !isnan(v))))
        __builtin_trap();
    hpo__metric_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    hpo__metric_config plain = {.name = "loss", .strategy = HPO_METRIC_LAST};
    hpo__metric_config keyed = {
        .name = "val_accuracy", .step_key = "iter", .strategy = HPO_METRIC_MAX};
    hpo__metric_config rx = {.regex =
                                 "(?:epoch|step)\\s*(?P<step>\\d+).*?acc[:=]\\s*(?<value>\\S+)",
                             .strategy = HPO_METRIC_MIN};
    scan(&plain, text, size, 0);
    scan(&keyed, text, size, 0);
    scan(&rx, text, size, 0);
    scan(&plain, text, size, 1);
    return 0;
}
