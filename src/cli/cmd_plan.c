/*
 * cmd_plan.c -- `hpo plan SPEC`: a dry run. Prints what `hpo tune` would run,
 * from hpo_spec_plan_json(): as that JSON with --json, otherwise readable: the
 * settings (study, sampler, direction, sizes, number of trials), the space as a
 * table, the scheduler's schedule and the first proposals. No study is opened
 * and nothing is written.
 *
 * The readable form is driven by the JSON's shape, so new fields of the plan
 * show up without changes here: top-level scalars as "key: value", the "space"
 * as a table, arrays of objects (proposals) one per line.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

static const char plan_usage[] =
    "usage: hpo plan SPEC [options]\n"
    "\n"
    "What `hpo tune SPEC` would run: sampler, direction, the space, its grid size,\n"
    "the number of trials, the scheduler's schedule (successive halving's\n"
    "iterations as scikit-learn prints them, Hyperband's brackets and rounds,\n"
    "ASHA's rungs) and the first proposals. Reads the data, runs nothing.\n"
    "\n"
    "      --json           print the plan as JSON\n"
    "  -n, --n-trials N     the study's total number of trials\n"
    "      --preview K      show the first K proposals (default 5)\n"
    "      --study NAME     study name\n"
    "      --sampler NAME   grid, random or qmc\n"
    "      --seed S         sampler seed\n"
    "  -h, --help           this text\n";

/* A scalar as text (strings bare); "" for containers. */
static void scalar_text(json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        snprintf(buf, size, "%s", json_string_value(v));
        break;
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(buf, size, "%.6g", json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(buf, size, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, size, "false");
        break;
    case JSON_NULL:
        snprintf(buf, size, "-");
        break;
    default: {
        char *s = json_dumps(v, JSON_COMPACT);
        snprintf(buf, size, "%s", s ? s : "");
        free(s);
        break;
    }
    }
}

/* {"a": 1, "b": "x"} -> "a=1 b=x". */
static void object_inline(json_t *obj, char *buf, size_t size)
{
    const char *key;
    json_t *val;
    size_t len = 0;
    buf[0] = '\0';
    json_object_foreach(obj, key, val)
    {
        char v[256];
        scalar_text(val, v, sizeof v);
        int n = snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "", key, v);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

/* The space as a table. Accepts a list of parameter objects ({"name", "type", ...}),
 * an object of name -> object, or a list of such (sub-spaces). */
static void print_space_rows(json_t *space, int sub)
{
    if (json_is_array(space)) {
        size_t i;
        json_t *item;
        int nested = json_array_size(space) > 0 && !json_is_object(json_array_get(space, 0))
                         ? 0
                         : json_object_get(json_array_get(space, 0), "name") == NULL;
        json_array_foreach(space, i, item)
        {
            if (nested) {
                printf("  sub-space %zu:\n", i + 1);
                print_space_rows(item, 1);
                continue;
            }
            if (!json_is_object(item))
                continue;
            char name[128], type[64], rest[512];
            json_t *jn = json_object_get(item, "name");
            json_t *jt = json_object_get(item, "type");
            json_t *jd = json_object_get(item, "description");
            scalar_text(jn ? jn : json_null(), name, sizeof name);
            scalar_text(jt ? jt : json_null(), type, sizeof type);
            if (jd) {
                scalar_text(jd, rest, sizeof rest);
            } else {
                json_t *copy = json_deep_copy(item);
                json_object_del(copy, "name");
                json_object_del(copy, "type");
                object_inline(copy, rest, sizeof rest);
                json_decref(copy);
            }
            printf("%s  %-16s %-12s %s\n", sub ? "  " : "", name, type, rest);
        }
    } else if (json_is_object(space)) {
        const char *key;
        json_t *val;
        json_object_foreach(space, key, val)
        {
            char rest[512];
            if (json_is_object(val)) {
                json_t *jt = json_object_get(val, "type");
                json_t *jd = json_object_get(val, "description");
                char type[64];
                scalar_text(jt ? jt : json_null(), type, sizeof type);
                if (jd) {
                    scalar_text(jd, rest, sizeof rest);
                } else {
                    json_t *copy = json_deep_copy(val);
                    json_object_del(copy, "type");
                    object_inline(copy, rest, sizeof rest);
                    json_decref(copy);
                }
                printf("%s  %-16s %-12s %s\n", sub ? "  " : "", key, type, rest);
            } else {
                scalar_text(val, rest, sizeof rest);
                printf("%s  %-16s %s\n", sub ? "  " : "", key, rest);
            }
        }
    }
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v)
           : json_is_real(v)  ? (long long)json_real_value(v)
                              : 0;
}

static void jtext(json_t *o, const char *key, char *buf, size_t size)
{
    json_t *v = json_object_get(o, key);
    scalar_text(v ? v : json_null(), buf, size);
}

/* The schedule: successive halving as scikit-learn's verbose search prints it,
 * Hyperband's brackets and rounds, ASHA's rungs; other keys as "key: value". */
static void print_schedule(json_t *sch)
{
    const char *key;
    json_t *val;
    char v[256];
    printf("\nscheduler:\n");
    json_object_foreach(sch, key, val)
    {
        if (json_is_object(val) || json_is_array(val))
            continue;
        scalar_text(val, v, sizeof v);
        printf("  %-30s %s\n", key, v);
    }
    json_t *iters = json_object_get(sch, "iterations");
    if (json_is_array(iters)) {
        size_t i;
        json_t *it;
        json_array_foreach(iters, i, it)
        {
            printf("  ----------\n  iter: %lld\n  n_candidates: %lld\n  n_resources: %lld\n",
                   jint(it, "iter"), jint(it, "n_candidates"), jint(it, "n_resources"));
        }
    }
    json_t *brackets = json_object_get(sch, "brackets");
    if (json_is_array(brackets)) {
        /* bracket: the order brackets open in (as the export's `bracket`);
         * s: KerasTuner's / Li et al.'s bracket number (rounds = s + 1) */
        printf("\n  %-8s %-3s %-6s %-9s %-10s %s\n", "bracket", "s", "round", "n_trials", "budget",
               "budget_start");
        size_t i, j;
        json_t *b, *r;
        json_array_foreach(brackets, i, b)
        {
            json_array_foreach(json_object_get(b, "rounds"), j, r)
            {
                char bud[64], start[64];
                jtext(r, "budget", bud, sizeof bud);
                jtext(r, "budget_start", start, sizeof start);
                printf("  %-8zu %-3lld %-6lld %-9lld %-10s %s\n", i, jint(b, "bracket"),
                       jint(r, "round"), jint(r, "n_trials"), bud, start);
            }
        }
    }
    json_t *rungs = json_object_get(sch, "rungs");
    if (json_is_array(rungs)) {
        printf("\n  %-6s %s\n", "rung", "budget");
        size_t i;
        json_t *r;
        json_array_foreach(rungs, i, r)
        {
            char bud[64];
            jtext(r, "budget", bud, sizeof bud);
            printf("  %-6lld %s\n", jint(r, "rung"), bud);
        }
    }
}

static void print_readable(json_t *plan)
{
    const char *key;
    json_t *val;
    /* scalars first, in the plan's order */
    json_object_foreach(plan, key, val)
    {
        if (json_is_object(val) || json_is_array(val))
            continue;
        char v[512];
        scalar_text(val, v, sizeof v);
        printf("%-18s %s\n", key, v);
    }
    json_t *space = json_object_get(plan, "space");
    if (space) {
        printf("\nspace:\n  %-16s %-12s %s\n", "name", "type", "description");
        print_space_rows(space, 0);
    }
    json_t *sch = json_object_get(plan, "scheduler");
    if (json_is_object(sch))
        print_schedule(sch);
    json_object_foreach(plan, key, val)
    {
        if (strcmp(key, "space") == 0 || strcmp(key, "scheduler") == 0 ||
            !(json_is_object(val) || json_is_array(val)))
            continue;
        printf("\n%s:\n", key);
        if (json_is_array(val)) {
            size_t i;
            json_t *item;
            json_array_foreach(val, i, item)
            {
                char line[1024];
                json_t *params = json_is_object(item) ? json_object_get(item, "params") : NULL;
                if (params && json_is_object(params))
                    object_inline(params, line, sizeof line);
                else if (json_is_object(item))
                    object_inline(item, line, sizeof line);
                else
                    scalar_text(item, line, sizeof line);
                printf("  %3zu  %s\n", i, line);
            }
        } else {
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2)
            {
                char v[512];
                scalar_text(v2, v, sizeof v);
                printf("  %-16s %s\n", k2, v);
            }
        }
    }
}

int hpo__cli_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},          {"n-trials", required_argument, NULL, 'n'},
        {"preview", required_argument, NULL, 'P'}, {"study", required_argument, NULL, 's'},
        {"sampler", required_argument, NULL, 'm'}, {"seed", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *n_trials = NULL, *study = NULL, *sampler = NULL, *seed = NULL;
    long long preview = 5;
    int as_json = 0, c;
    while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            as_json = 1;
            break;
        case 'n':
            n_trials = optarg;
            break;
        case 'P':
            if (hpo__cli_parse_ll(optarg, &preview) != 0 || preview < 0 || preview > 100000)
                return hpo__cli_usage_error("plan", "--preview: expected a count, got '%s'",
                                            optarg);
            break;
        case 's':
            study = optarg;
            break;
        case 'm':
            sampler = optarg;
            break;
        case 'e':
            seed = optarg;
            break;
        case 'h':
            fputs(plan_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("plan", c, argv);
        }
    }
    if (optind >= argc)
        return hpo__cli_usage_error("plan", "a spec file is required");
    if (optind + 1 < argc)
        return hpo__cli_usage_error("plan", "unexpected argument '%s'", argv[optind + 1]);

    hpo_spec *spec = NULL;
    char *text = NULL;
    int status = HPO_EXIT_OK;
    int rc = hpo_spec_load(&spec, argv[optind]);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);
    const char *keys[] = {"study", "sampler", "seed", "n_trials"};
    const char *values[] = {study, sampler, seed, n_trials};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (values[i] && (rc = hpo_spec_set(spec, keys[i], values[i])) != 0) {
            status = hpo__cli_lib_error(rc, 1);
            goto done;
        }
    }
    if ((rc = hpo_spec_plan_json(spec, (int)preview, &text)) != 0) {
        status = hpo__cli_lib_error(rc, 1);
        goto done;
    }
    if (as_json) {
        fputs(text, stdout);
        if (text[0] && text[strlen(text) - 1] != '\n')
            fputc('\n', stdout);
    } else {
        json_error_t err;
        json_t *plan = json_loads(text, 0, &err);
        if (!plan || !json_is_object(plan)) {
            fputs(text, stdout);
            fputc('\n', stdout);
        } else {
            print_readable(plan);
        }
        json_decref(plan);
    }
done:
    hpo_free(text);
    hpo_spec_destroy(spec);
    return status;
}
