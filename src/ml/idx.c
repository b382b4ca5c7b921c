/*
 * idx.c -- IDX image/label files (the MNIST / Fashion-MNIST format, as Debian's
 * dataset-fashion-mnist ships them, gzip-compressed or plain) as a data set.
 *
 * Reference behaviour: the format of LeCun's MNIST page: a big-endian 32-bit
 * magic 0x00000803 (unsigned bytes, 3 dimensions) followed by n, rows, cols as
 * big-endian 32-bit counts and n*rows*cols pixels for images; 0x00000801 and n
 * followed by n label bytes for labels. Pixels become doubles x / 255 in [0, 1]
 * (what `X / 255.0` gives in numpy); labels become class indices in np.unique
 * order of the labels present, with their decimal text as class names; the
 * features are named pixel_R_C.
 *
 * Invariants: both files are read through zlib's gzopen/gzread, which reads
 * plain files unchanged; a bad magic, a truncated file (pixels or labels
 * missing), zero images or different counts in the two files are HPO_ESPEC
 * errors naming the file; nothing is allocated beyond what the files hold
 * (the buffer grows with the bytes actually read).
 *
 * Costs: one pass over each file; 9 bytes of memory per pixel at the peak.
 */
#include "ml/dataset.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u

static int gz_fail(gzFile g, const char *path, const char *what)
{
    int zerr = 0;
    const char *msg = gzerror(g, &zerr);
    if (zerr != Z_OK && zerr != Z_BUF_ERROR && msg && *msg)
        return hpo__err(HPO_ESPEC, "%s: %s: %s", path, what, msg);
    return hpo__err(HPO_ESPEC, "%s: %s", path, what);
}

/* Read up to `want` bytes into a buffer grown as data arrives; *got < want
 * means the file ended early. */
static int read_bytes(gzFile g, const char *path, size_t want, unsigned char **out, size_t *got)
{
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    *got = 0;
    while (len < want) {
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 1u << 20;
            if (ncap > want)
                ncap = want;
            unsigned char *p = hpo__realloc(buf, ncap);
            if (!p) {
                hpo__free(buf);
                return hpo__enomem();
            }
            buf = p;
            cap = ncap;
        }
        size_t chunk = cap - len;
        if (chunk > (1u << 30))
            chunk = 1u << 30;
        int r = gzread(g, buf + len, (unsigned)chunk);
        if (r < 0) {
            hpo__free(buf);
            return gz_fail(g, path, "read error");
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    *out = buf;
    *got = len;
    return 0;
}

/* Open `path`, check the magic and read the `ndims` big-endian dimensions. */
static int open_idx(const char *path, uint32_t magic, unsigned ndims, uint32_t *dims, gzFile *out)
{
    unsigned char hdr[16];
    *out = NULL;
    errno = 0;
    gzFile g = gzopen(path, "rb");
    if (!g)
        return hpo__err(HPO_EIO, "%s: cannot open: %s", path,
                        errno ? strerror(errno) : "out of memory");
    size_t want = 4 * (size_t)(ndims + 1);
    int r = gzread(g, hdr, (unsigned)want);
    if (r < 0) {
        int rc = gz_fail(g, path, "read error");
        gzclose(g);
        return rc;
    }
    if ((size_t)r < 4) {
        gzclose(g);
        return hpo__err(HPO_ESPEC, "%s: truncated IDX file (%d bytes, no header)", path, r);
    }
    uint32_t m = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (m != magic) {
        gzclose(g);
        return hpo__err(HPO_ESPEC, "%s: not an IDX %s file (magic 0x%08x, expected 0x%08x)", path,
                        magic == IDX_IMAGES ? "images" : "labels", (unsigned)m, (unsigned)magic);
    }
    if ((size_t)r < want) {
        gzclose(g);
        return hpo__err(HPO_ESPEC, "%s: truncated IDX header (%d of %zu bytes)", path, r, want);
    }
    for (unsigned i = 0; i < ndims; i++) {
        const unsigned char *b = hdr + 4 * (i + 1);
        dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
    *out = g;
    return 0;
}

int hpo__dataset_load_idx(const char *images, const char *labels, hpo__dataset **out)
{
    gzFile gi = NULL, gl = NULL;
    unsigned char *px = NULL, *lab = NULL;
    hpo__dataset *ds = NULL;
    uint32_t idim[3] = {0}, ldim[1] = {0};
    size_t got = 0;
    int rc = 0;

    if (!images || !labels || !out)
        return hpo__err(HPO_EINVAL, "idx: no file names or no output");
    *out = NULL;
    if ((rc = open_idx(images, IDX_IMAGES, 3, idim, &gi)) != 0)
        goto done;
    if ((rc = open_idx(labels, IDX_LABELS, 1, ldim, &gl)) != 0)
        goto done;
    if (idim[0] != ldim[0]) {
        rc = hpo__err(HPO_ESPEC, "%s: %u labels but %s has %u images", labels, (unsigned)ldim[0],
                      images, (unsigned)idim[0]);
        goto done;
    }
    size_t n = idim[0], d = (size_t)idim[1] * idim[2];
    if (n == 0 || d == 0) {
        rc = hpo__err(HPO_ESPEC, "%s: no images (%zu images of %u x %u pixels)", images, n,
                      (unsigned)idim[1], (unsigned)idim[2]);
        goto done;
    }
    if (n > SIZE_MAX / sizeof(double) / d) {
        rc = hpo__err(HPO_ESPEC, "%s: %zu images of %zu pixels are too many", images, n, d);
        goto done;
    }
    if ((rc = read_bytes(gi, images, n * d, &px, &got)) != 0)
        goto done;
    if (got < n * d) {
        rc = hpo__err(HPO_ESPEC, "%s: truncated: %zu of %zu pixel bytes (%zu images of %zu)",
                      images, got, n * d, got / d, n);
        goto done;
    }
    if ((rc = read_bytes(gl, labels, n, &lab, &got)) != 0)
        goto done;
    if (got < n) {
        rc = hpo__err(HPO_ESPEC, "%s: truncated: %zu of %zu labels", labels, got, n);
        goto done;
    }

    if (!(ds = hpo__calloc(1, sizeof *ds))) {
        rc = hpo__enomem();
        goto done;
    }
    ds->n = n;
    ds->d = d;
    ds->task = HPO__TASK_CLASSIFICATION;
    ds->X = hpo__malloc(n * d * sizeof *ds->X);
    ds->y = hpo__malloc(n * sizeof *ds->y);
    ds->feature_names = hpo__calloc(d, sizeof *ds->feature_names);
    ds->target_name = hpo__strdup("label");
    if (!ds->X || !ds->y || !ds->feature_names || !ds->target_name) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n * d; i++)
        ds->X[i] = px[i] / 255.0;
    for (size_t f = 0; f < d; f++) {
        char name[48];
        snprintf(name, sizeof name, "pixel_%zu_%zu", f / idim[2], f % idim[2]);
        if (!(ds->feature_names[f] = hpo__strdup(name))) {
            rc = hpo__enomem();
            goto done;
        }
    }
    size_t index[256] = {0}, k = 0;
    unsigned char present[256] = {0};
    for (size_t i = 0; i < n; i++)
        present[lab[i]] = 1;
    for (size_t v = 0; v < 256; v++)
        if (present[v])
            index[v] = k++;
    ds->n_classes = k;
    if (!(ds->class_names = hpo__calloc(k, sizeof *ds->class_names))) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t v = 0; v < 256; v++) {
        if (!present[v])
            continue;
        char name[8];
        snprintf(name, sizeof name, "%zu", v);
        if (!(ds->class_names[index[v]] = hpo__strdup(name))) {
            rc = hpo__enomem();
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++)
        ds->y[i] = (double)index[lab[i]];

done:
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    hpo__free(px);
    hpo__free(lab);
    if (rc) {
        hpo__dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}
