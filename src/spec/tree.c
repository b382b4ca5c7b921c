/*
 * tree.c -- YAML (libyaml events) and JSON (jansson) into one node tree.
 * Depth is limited (64) so hostile inputs cannot exhaust the stack; aliases and
 * multi-document streams are refused with a message.
 */
#include "spec/tree.h"
#include "util/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

static hpo__node *node_new(hpo__node_kind kind, int line, int col)
{
    hpo__node *n = hpo__calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->line = line;
        n->col = col;
    }
    return n;
}

void hpo__tree_free(hpo__node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        hpo__tree_free(n->items[i]);
        if (n->keys)
            hpo__free(n->keys[i]);
    }
    hpo__free(n->items);
    hpo__free(n->keys);
    hpo__free(n->key_line);
    hpo__free(n->key_col);
    hpo__free(n->text);
    hpo__free(n);
}

hpo__node *hpo__tree_get(const hpo__node *map, const char *key, size_t *index)
{
    if (!map || map->kind != HPO__NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        if (strcmp(map->keys[i], key) == 0) {
            if (index)
                *index = i;
            return map->items[i];
        }
    }
    return NULL;
}

/* Append a child (and for maps its key, taking ownership of `key`). */
static int node_push(hpo__node *parent, char *key, int kl, int kc, hpo__node *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        hpo__node **items = hpo__realloc(parent->items, cap * sizeof *items);
        if (!items)
            return hpo__enomem();
        parent->items = items;
        if (parent->kind == HPO__NODE_MAP) {
            char **keys = hpo__realloc(parent->keys, cap * sizeof *keys);
            if (!keys)
                return hpo__enomem();
            parent->keys = keys;
            int *l = hpo__realloc(parent->key_line, cap * sizeof *l);
            if (!l)
                return hpo__enomem();
            parent->key_line = l;
            int *c = hpo__realloc(parent->key_col, cap * sizeof *c);
            if (!c)
                return hpo__enomem();
            parent->key_col = c;
        }
        parent->cap = cap;
    }
    parent->items[parent->n] = child;
    if (parent->kind == HPO__NODE_MAP) {
        parent->keys[parent->n] = key;
        parent->key_line[parent->n] = kl;
        parent->key_col[parent->n] = kc;
    }
    parent->n++;
    return 0;
}

/* ------------------------------------------------------------ YAML */

typedef struct yctx {
    yaml_parser_t parser;
    const char *origin;
} yctx;

static int yaml_fail(yctx *y)
{
    const yaml_mark_t *m = y->parser.problem_mark.line || y->parser.problem_mark.column
                               ? &y->parser.problem_mark
                               : &y->parser.context_mark;
    return hpo__err(HPO_ESPEC, "%s:%zu:%zu: invalid YAML: %s%s%s", y->origin, m->line + 1,
                    m->column + 1, y->parser.problem ? y->parser.problem : "syntax error",
                    y->parser.context ? " " : "", y->parser.context ? y->parser.context : "");
}

static int next_event(yctx *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return yaml_fail(y);
    return 0;
}

static int plain_is_null(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Build the node that starts with `ev` (consumed). */
static int yaml_node(yctx *y, yaml_event_t *ev, int depth, hpo__node **out)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    int rc = 0;
    if (depth > MAX_DEPTH) {
        yaml_event_delete(ev);
        return hpo__err(HPO_ESPEC, "%s:%d:%d: nesting deeper than %d levels", y->origin, line, col,
                        MAX_DEPTH);
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        yaml_event_delete(ev);
        return hpo__err(HPO_ESPEC, "%s:%d:%d: YAML aliases (*name) are not supported in specs",
                        y->origin, line, col);
    case YAML_SCALAR_EVENT: {
        hpo__node *n = node_new(HPO__NODE_SCALAR, line, col);
        if (!n) {
            yaml_event_delete(ev);
            return hpo__enomem();
        }
        n->text = hpo__strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if (n->text && strlen(n->text) != ev->data.scalar.length) {
            yaml_event_delete(ev);
            hpo__tree_free(n);
            return hpo__err(HPO_ESPEC, "%s:%d:%d: NUL character in a value", y->origin, line, col);
        }
        n->is_null = !n->quoted && n->text && plain_is_null(n->text);
        yaml_event_delete(ev);
        if (!n->text) {
            hpo__tree_free(n);
            return hpo__enomem();
        }
        *out = n;
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(ev);
        hpo__node *n = node_new(is_map ? HPO__NODE_MAP : HPO__NODE_SEQ, line, col);
        if (!n)
            return hpo__enomem();
        for (;;) {
            yaml_event_t e;
            if ((rc = next_event(y, &e)) != 0)
                goto fail;
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            char *key = NULL;
            int kl = 0, kc = 0;
            if (is_map) {
                kl = (int)e.start_mark.line + 1;
                kc = (int)e.start_mark.column + 1;
                if (e.type != YAML_SCALAR_EVENT) {
                    yaml_event_delete(&e);
                    rc = hpo__err(HPO_ESPEC, "%s:%d:%d: a key must be a plain string", y->origin,
                                  kl, kc);
                    goto fail;
                }
                key = hpo__strndup((const char *)e.data.scalar.value, e.data.scalar.length);
                yaml_event_delete(&e);
                if (!key) {
                    rc = hpo__enomem();
                    goto fail;
                }
                if (hpo__tree_get(n, key, NULL)) {
                    rc = hpo__err(HPO_ESPEC, "%s:%d:%d: %s: duplicate key", y->origin, kl, kc, key);
                    hpo__free(key);
                    goto fail;
                }
                if ((rc = next_event(y, &e)) != 0) {
                    hpo__free(key);
                    goto fail;
                }
            }
            hpo__node *child = NULL;
            if ((rc = yaml_node(y, &e, depth + 1, &child)) != 0) {
                hpo__free(key);
                goto fail;
            }
            if ((rc = node_push(n, key, kl, kc, child)) != 0) {
                hpo__free(key);
                hpo__tree_free(child);
                goto fail;
            }
        }
        *out = n;
        return 0;
    fail:
        hpo__tree_free(n);
        return rc;
    }
    default:
        yaml_event_delete(ev);
        return hpo__err(HPO_ESPEC, "%s:%d:%d: unexpected YAML content", y->origin, line, col);
    }
}

int hpo__tree_parse_yaml(const char *data, size_t len, const char *origin, hpo__node **out)
{
    yctx y;
    y.origin = origin;
    if (!yaml_parser_initialize(&y.parser))
        return hpo__enomem();
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)data, len);
    yaml_event_t ev;
    hpo__node *root = NULL;
    int rc;
    /* stream start, document start */
    if ((rc = next_event(&y, &ev)) != 0)
        goto done;
    yaml_event_delete(&ev);
    if ((rc = next_event(&y, &ev)) != 0)
        goto done;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        rc = hpo__err(HPO_ESPEC, "%s: empty spec", origin);
        goto done;
    }
    yaml_event_delete(&ev);
    if ((rc = next_event(&y, &ev)) != 0)
        goto done;
    if ((rc = yaml_node(&y, &ev, 0, &root)) != 0)
        goto done;
    /* document end, then the stream must end */
    if ((rc = next_event(&y, &ev)) != 0)
        goto done;
    yaml_event_delete(&ev);
    if ((rc = next_event(&y, &ev)) != 0)
        goto done;
    if (ev.type != YAML_STREAM_END_EVENT) {
        int l = (int)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        rc = hpo__err(HPO_ESPEC, "%s:%d: a spec is one YAML document; found another", origin, l);
        goto done;
    }
    yaml_event_delete(&ev);
    *out = root;
    root = NULL;
done:
    hpo__tree_free(root);
    yaml_parser_delete(&y.parser);
    return rc;
}

/* ------------------------------------------------------------ JSON */

static int json_node(const json_t *j, int depth, hpo__node **out)
{
    if (depth > MAX_DEPTH)
        return hpo__err(HPO_ESPEC, "nesting deeper than %d levels", MAX_DEPTH);
    hpo__node *n = NULL;
    int rc = 0;
    char num[64];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        n = node_new(HPO__NODE_MAP, 0, 0);
        if (!n)
            return hpo__enomem();
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)(uintptr_t)j, key, val)
        {
            hpo__node *child = NULL;
            char *k = hpo__strdup(key);
            if (!k)
                rc = hpo__enomem();
            if (!rc && (rc = json_node(val, depth + 1, &child)) == 0 &&
                (rc = node_push(n, k, 0, 0, child)) != 0)
                hpo__tree_free(child);
            if (rc) {
                hpo__free(k);
                hpo__tree_free(n);
                return rc;
            }
        }
        break;
    }
    case JSON_ARRAY: {
        n = node_new(HPO__NODE_SEQ, 0, 0);
        if (!n)
            return hpo__enomem();
        for (size_t i = 0; i < json_array_size(j); i++) {
            hpo__node *child = NULL;
            if ((rc = json_node(json_array_get(j, i), depth + 1, &child)) == 0 &&
                (rc = node_push(n, NULL, 0, 0, child)) != 0)
                hpo__tree_free(child);
            if (rc) {
                hpo__tree_free(n);
                return rc;
            }
        }
        break;
    }
    default: {
        n = node_new(HPO__NODE_SCALAR, 0, 0);
        if (!n)
            return hpo__enomem();
        const char *text = num;
        if (json_is_string(j)) {
            text = json_string_value(j);
            n->quoted = 1;
            if (strlen(text) != json_string_length(j)) {
                hpo__tree_free(n);
                return hpo__err(HPO_ESPEC, "NUL character in a string");
            }
        } else if (json_is_integer(j)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        } else if (json_is_real(j)) {
            hpo__fmt_double(num, sizeof num, json_real_value(j));
            if (!strchr(num, '.') && !strchr(num, 'e') && !strchr(num, 'n') && !strchr(num, 'i') &&
                strlen(num) + 2 < sizeof num)
                memcpy(num + strlen(num), ".0", 3); /* stays a float */
        } else if (json_is_true(j)) {
            text = "true";
        } else if (json_is_false(j)) {
            text = "false";
        } else {
            text = "null";
            n->is_null = 1;
        }
        n->text = hpo__strdup(text);
        if (!n->text) {
            hpo__tree_free(n);
            return hpo__enomem();
        }
    }
    }
    *out = n;
    return 0;
}

int hpo__tree_parse_json(const char *data, size_t len, const char *origin, hpo__node **out)
{
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j)
        return hpo__err(HPO_ESPEC, "%s:%d:%d: invalid JSON: %s", origin, jerr.line, jerr.column,
                        jerr.text);
    hpo__node *root = NULL;
    int rc = json_node(j, 0, &root);
    json_decref(j);
    if (rc) {
        if (rc == HPO_ESPEC)
            hpo__err_prefix("%s", origin);
        return rc;
    }
    *out = root;
    return 0;
}
