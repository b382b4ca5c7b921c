/*
 * file.c -- a whole file into memory, for the readers of data sets and model
 * files ("PATH: cannot open: reason" on failure).
 */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int hpo__read_file(const char *path, char **text, size_t *len_out)
{
    size_t len = 0, cap = 0;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hpo__err(HPO_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 65536;
            char *p = hpo__realloc(buf, ncap);
            if (!p) {
                rc = hpo__enomem();
                goto done;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        rc = hpo__err(HPO_EIO, "%s: read error", path);
done:
    fclose(f);
    if (rc) {
        hpo__free(buf);
        return rc;
    }
    *text = buf;
    *len_out = len;
    return 0;
}
