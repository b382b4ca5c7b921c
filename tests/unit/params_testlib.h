/*
 * params_testlib.h -- building hyperparameter sets in unit tests (the
 * estimators' tests): add a typed value by name, asserting success. Include
 * after <cmocka.h>.
 */
#ifndef HPO_TESTS_PARAMS_TESTLIB_H
#define HPO_TESTS_PARAMS_TESTLIB_H

#include "core/params.h"

static inline void add_int(hpo__params *p, const char *name, long long v)
{
    hpo_value x = {.type = HPO_VALUE_INT, .u.i = v};
    assert_int_equal(hpo__params_add(p, name, &x), 0);
}

static inline void add_float(hpo__params *p, const char *name, double v)
{
    hpo_value x = {.type = HPO_VALUE_FLOAT, .u.f = v};
    assert_int_equal(hpo__params_add(p, name, &x), 0);
}

static inline void add_str(hpo__params *p, const char *name, const char *v)
{
    hpo_value x = {.type = HPO_VALUE_STRING, .u.s = v};
    assert_int_equal(hpo__params_add(p, name, &x), 0);
}

static inline void add_bool(hpo__params *p, const char *name, int v)
{
    hpo_value x = {.type = HPO_VALUE_BOOL, .u.b = v};
    assert_int_equal(hpo__params_add(p, name, &x), 0);
}

#endif
