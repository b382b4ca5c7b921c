/*
 * tree.h -- one node tree for YAML and JSON specs, with line/column marks.
 *
 * YAML comes through libyaml's event parser, JSON through jansson; both become
 * maps (ordered keys, duplicates refused while building), sequences and scalars
 * that remember whether they were quoted. Scalars stay text: the schema decides
 * what a plain scalar means (YAML 1.2 core schema: 1e-3 is a number, only
 * true/false are booleans, a quoted scalar is always a string).
 * JSON carries no positions per node: its nodes have line 0 and messages name
 * the key path alone (syntax errors still give jansson's line and column).
 */
#ifndef HPO_SPEC_TREE_H
#define HPO_SPEC_TREE_H

#include <stddef.h>

typedef enum hpo__node_kind { HPO__NODE_MAP, HPO__NODE_SEQ, HPO__NODE_SCALAR } hpo__node_kind;

typedef struct hpo__node {
    hpo__node_kind kind;
    int line, col;            /* 1-based; 0 when unknown (JSON) */
    char *text;               /* scalars */
    int quoted;               /* scalar was quoted (or a JSON string) */
    int is_null;              /* JSON null, YAML ~/null/empty plain scalar */
    struct hpo__node **items; /* sequence items, or map values */
    char **keys;              /* map keys */
    int *key_line, *key_col;
    size_t n, cap;
} hpo__node;

/* Parse YAML or JSON into a tree. On error HPO_ESPEC with "origin:line:col: ..." */
int hpo__tree_parse_yaml(const char *data, size_t len, const char *origin, hpo__node **out);
int hpo__tree_parse_json(const char *data, size_t len, const char *origin, hpo__node **out);
void hpo__tree_free(hpo__node *n);

/* Map lookup: the value of `key` or NULL; *index gets its position when found. */
hpo__node *hpo__tree_get(const hpo__node *map, const char *key, size_t *index);

#endif
