/*
 * params.h -- a trial's parameter values: an ordered list of (name, value),
 * active parameters only, in the space's order. Strings are owned copies.
 * JSON form: {"C": 0.1, "kernel": "rbf", "degree": 3, "shrinking": true}; a float
 * that happens to be integral is written with ".0" so its type reads back as float.
 */
#ifndef HPO_CORE_PARAMS_H
#define HPO_CORE_PARAMS_H

#include "hpo.h"
#include "util/util.h"

typedef struct hpo__params {
    size_t n;
    size_t cap;
    char **names;
    hpo_value *values; /* for HPO_VALUE_STRING, u.s is owned */
} hpo__params;

#define HPO__PARAMS_INIT                                                                           \
    {                                                                                              \
        0                                                                                          \
    }

/* Append (copies name and string values). HPO_EINVAL on a duplicate name. */
int hpo__params_add(hpo__params *p, const char *name, const hpo_value *v);
/* Replace the value of `name`, or add it when absent. */
int hpo__params_set(hpo__params *p, const char *name, const hpo_value *v);
/* Index of `name` or -1. */
long hpo__params_find(const hpo__params *p, const char *name);
void hpo__params_free(hpo__params *p);
int hpo__params_copy(hpo__params *dst, const hpo__params *src);
/* 1 when both hold the same names with equal values (order-insensitive). */
int hpo__params_equal(const hpo__params *a, const hpo__params *b);

/* Value equality: same type and value (strings by content; 0.0 == -0.0). */
int hpo__value_equal(const hpo_value *a, const hpo_value *b);
/* Copy, duplicating strings (release with hpo__value_free). */
int hpo__value_copy(hpo_value *dst, const hpo_value *src);
void hpo__value_free(hpo_value *v);
/* Append a value as JSON / as plain text (strings unquoted, floats shortest). */
int hpo__value_to_json(hpo__buf *b, const hpo_value *v);
int hpo__value_to_text(hpo__buf *b, const hpo_value *v);

/* {"name": value, ...} in order. */
int hpo__params_to_json(const hpo__params *p, char **out);
/* Parse the form above (HPO_EINVAL with a message when malformed). */
int hpo__params_from_json(const char *json, hpo__params *out);

#endif
