/*
 * test_dataset.c -- CSV data sets, IDX files and scalers: the CSV dialect
 * (quotes, CRLF, BOM, blank lines), class mapping in np.unique order, task
 * inference, every data error's "origin:LINE:COL: column 'name'" message,
 * subset and class alignment, IDX images/labels written here plain and gzip
 * (bad magic, truncation, mismatched counts), Debian's Fashion-MNIST when it is
 * installed, scalers on known columns, and HPO_ENOMEM on every failing
 * allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hpo.h"
#include "ml/dataset.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static hpo__dataset *parse_ok(const char *text, const char *target, hpo__task task)
{
    hpo__dataset *ds = NULL;
    int rc = hpo__dataset_parse_csv(text, strlen(text), "t.csv", target, task, &ds);
    if (rc != 0)
        fail_msg("parse failed: %s", hpo_errmsg());
    assert_non_null(ds);
    return ds;
}

static void parse_err(const char *text, const char *target, hpo__task task, const char *want)
{
    hpo__dataset *ds = (hpo__dataset *)0x1;
    int rc = hpo__dataset_parse_csv(text, strlen(text), "t.csv", target, task, &ds);
    assert_int_equal(rc, HPO_ESPEC);
    assert_null(ds);
    if (!strstr(hpo_errmsg(), want))
        fail_msg("message '%s' lacks '%s'", hpo_errmsg(), want);
    assert_null(strchr(hpo_errmsg(), '\n'));
}

static void test_basic(void **state)
{
    (void)state;
    hpo__dataset *ds = parse_ok("a,b,target\n1,2.5,1\n-3,4e1,0\n5,6,1", NULL, HPO__TASK_AUTO);
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->d, 2);
    assert_int_equal(ds->task, HPO__TASK_CLASSIFICATION);
    assert_int_equal(ds->n_classes, 2);
    assert_string_equal(ds->class_names[0], "0");
    assert_string_equal(ds->class_names[1], "1");
    assert_string_equal(ds->feature_names[1], "b");
    assert_string_equal(ds->target_name, "target");
    double X[] = {1, 2.5, -3, 40, 5, 6}, y[] = {1, 0, 1};
    for (size_t i = 0; i < 6; i++)
        assert_true(ds->X[i] == X[i]);
    for (size_t i = 0; i < 3; i++)
        assert_true(ds->y[i] == y[i]);
    hpo__dataset_free(ds);
    hpo__dataset_free(NULL);
}

static void test_dialect(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "\"la,bel\",x,\"y \"\"q\"\"\"\r\n"
                       "cat,1,2\r\n"
                       "\r\n"
                       "  \r\n"
                       "\"dog\ngo\", 3 ,\"4\"\r\n"
                       "ant,5,6\r\n"
                       "\n\n";
    hpo__dataset *ds = parse_ok(text, "la,bel", HPO__TASK_AUTO);
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->d, 2);
    assert_string_equal(ds->feature_names[0], "x");
    assert_string_equal(ds->feature_names[1], "y \"q\"");
    assert_string_equal(ds->target_name, "la,bel");
    assert_int_equal(ds->n_classes, 3);
    assert_string_equal(ds->class_names[0], "ant");
    assert_string_equal(ds->class_names[1], "cat");
    assert_string_equal(ds->class_names[2], "dog\ngo");
    assert_true(ds->y[0] == 1 && ds->y[1] == 2 && ds->y[2] == 0);
    assert_true(ds->X[2] == 3 && ds->X[3] == 4);
    hpo__dataset_free(ds);

    /* "last" picks the last column unless a column is named so */
    ds = parse_ok("last,b,c\n1,2,0\n3,4,1\n", "last", HPO__TASK_AUTO);
    assert_string_equal(ds->target_name, "last");
    hpo__dataset_free(ds);
    ds = parse_ok("a,b,c\n1,2,0\n3,4,1\n", "last", HPO__TASK_AUTO);
    assert_string_equal(ds->target_name, "c");
    hpo__dataset_free(ds);
}

static void test_classes_and_task(void **state)
{
    (void)state;
    /* numeric labels sort numerically; 2 and 2.0 are one class */
    hpo__dataset *ds = parse_ok("a,t\n1,10\n2,9\n3,2.0\n4,2\n5,-1\n", NULL, HPO__TASK_AUTO);
    assert_int_equal(ds->n_classes, 4);
    assert_string_equal(ds->class_names[0], "-1");
    assert_string_equal(ds->class_names[3], "10");
    assert_true(ds->y[0] == 3 && ds->y[2] == 1 && ds->y[3] == 1 && ds->y[4] == 0);
    hpo__dataset_free(ds);
    /* one text label makes every label text: byte order */
    ds = parse_ok("a,t\n1,10\n2,9\n3,B\n4,a\n", NULL, HPO__TASK_AUTO);
    assert_int_equal(ds->n_classes, 4);
    assert_string_equal(ds->class_names[0], "10");
    assert_string_equal(ds->class_names[1], "9");
    assert_string_equal(ds->class_names[2], "B");
    assert_string_equal(ds->class_names[3], "a");
    hpo__dataset_free(ds);
    /* non-integral -> regression */
    ds = parse_ok("a,t\n1,0.5\n2,3\n", NULL, HPO__TASK_AUTO);
    assert_int_equal(ds->task, HPO__TASK_REGRESSION);
    assert_int_equal(ds->n_classes, 0);
    assert_null(ds->class_names);
    assert_true(ds->y[0] == 0.5 && ds->y[1] == 3);
    hpo__dataset_free(ds);
    /* integral regression when asked */
    ds = parse_ok("a,t\n1,151\n2,75\n", NULL, HPO__TASK_REGRESSION);
    assert_int_equal(ds->task, HPO__TASK_REGRESSION);
    assert_true(ds->y[0] == 151);
    hpo__dataset_free(ds);
}

static void test_errors(void **state)
{
    (void)state;
    parse_err("", NULL, HPO__TASK_AUTO, "t.csv: empty file");
    parse_err("\n\n", NULL, HPO__TASK_AUTO, "empty file");
    parse_err("a,b,t\n", NULL, HPO__TASK_AUTO, "no data rows");
    parse_err("a,b,t\n1,2,0\n", NULL, HPO__TASK_AUTO, "t.csv:2: needs at least 2 data rows");
    parse_err("a,b,t\n1,2,0\n3,4\n", NULL, HPO__TASK_AUTO,
              "t.csv:3:3: row has 2 fields but the header has 3");
    parse_err("a,b,t\n1,2,0\n3,4,1,5\n", NULL, HPO__TASK_AUTO, "t.csv:3:4: row has 4 fields");
    parse_err("a,b,t\n1,2,0\n3,x,1\n", NULL, HPO__TASK_AUTO,
              "t.csv:3:2: column 'b': 'x' is not a number");
    parse_err("a,b,t\n1,2,0\n\n3,,1\n", NULL, HPO__TASK_AUTO,
              "t.csv:4:2: column 'b': missing value");
    parse_err("a,b,t\n1,2,0\nNaN,3,1\n", NULL, HPO__TASK_AUTO, "t.csv:3:1: column 'a': missing");
    parse_err("a,b,t\n1,2,0\n1e999,3,1\n", NULL, HPO__TASK_AUTO, "not a finite number");
    parse_err("a,b,t\n1,2,0\n1,3,\n", NULL, HPO__TASK_AUTO, "t.csv:3:3: column 't': missing");
    parse_err("a,b,t\n1,2,x\n3,4,x\n", NULL, HPO__TASK_AUTO,
              "t.csv:1:3: column 't': classification needs at least 2 classes, found only 'x'");
    parse_err("a,a,t\n1,2,0\n3,4,1\n", NULL, HPO__TASK_AUTO, "t.csv:1:2: duplicate column name");
    parse_err("a,,t\n1,2,0\n3,4,1\n", NULL, HPO__TASK_AUTO, "t.csv:1:2: empty column name");
    parse_err("t\n0\n1\n", NULL, HPO__TASK_AUTO, "at least one feature column");
    parse_err("alpha,beta,t\n1,2,0\n3,4,1\n", "betta", HPO__TASK_AUTO,
              "t.csv:1: no target column 'betta' (did you mean 'beta'?)");
    parse_err("a,b,t\n1,2,0\n3,4,1\n", "zzzzzz", HPO__TASK_AUTO, "no target column 'zzzzzz'");
    parse_err("a,b,t\n1,\"2,0\n3,4,1\n", NULL, HPO__TASK_AUTO,
              "t.csv:2:2: unterminated quoted field");
    parse_err("a,b,t\n1,\"2\"x,0\n3,4,1\n", NULL, HPO__TASK_AUTO,
              "t.csv:2:2: unexpected character after a closing quote");
    parse_err("a,t\n1,2\n3,x\n", NULL, HPO__TASK_REGRESSION,
              "t.csv:3:2: column 't': 'x' is not a number");
    parse_err("a,t\n1,2\n3,2.5\n", NULL, HPO__TASK_CLASSIFICATION,
              "t.csv:3:2: column 't': '2.5' is not a class label");
    /* a record spanning lines is named by its first line; later lines count */
    parse_err("a,b,t\n\"1\n\",2,0\n3,y,1\n", NULL, HPO__TASK_AUTO, "t.csv:2:1: column 'a'");
    parse_err("a,b,t\n\"1\",2,0\n\"x\ny\",4,1\n5,z,1\n", NULL, HPO__TASK_AUTO,
              "t.csv:3:1: column 'a': 'x?y' is not a number");
    hpo__dataset *ds = NULL;
    assert_int_equal(hpo__dataset_parse_csv("a", 1, NULL, NULL, HPO__TASK_AUTO, NULL), HPO_EINVAL);
    assert_int_equal(hpo__dataset_load_csv("/nonexistent/x.csv", NULL, HPO__TASK_AUTO, &ds),
                     HPO_EIO);
    assert_null(ds);
}

static void test_subset_align(void **state)
{
    (void)state;
    hpo__dataset *ds = parse_ok("a,b,t\n1,2,x\n3,4,y\n5,6,z\n", NULL, HPO__TASK_AUTO);
    size_t rows[] = {2, 0, 2};
    hpo__dataset *s = NULL;
    assert_int_equal(hpo__dataset_subset(ds, rows, 3, &s), 0);
    assert_int_equal(s->n, 3);
    assert_true(s->X[0] == 5 && s->X[1] == 6 && s->X[2] == 1 && s->X[5] == 6);
    assert_true(s->y[0] == 2 && s->y[1] == 0);
    assert_int_equal(s->n_classes, 3);
    assert_string_equal(s->class_names[2], "z");
    hpo__dataset_free(s);
    size_t bad[] = {3};
    assert_int_equal(hpo__dataset_subset(ds, bad, 1, &s), HPO_EINVAL);
    assert_null(s);

    hpo__dataset *test = parse_ok("a,b,t\n1,2,z\n3,4,y\n", NULL, HPO__TASK_AUTO);
    assert_true(test->y[0] == 1 && test->y[1] == 0);
    assert_int_equal(hpo__dataset_align_classes(test, ds), 0);
    assert_int_equal(test->n_classes, 3);
    assert_true(test->y[0] == 2 && test->y[1] == 1);
    assert_string_equal(test->class_names[0], "x");
    hpo__dataset_free(test);
    test = parse_ok("a,b,t\n1,2,z\n3,4,w\n", NULL, HPO__TASK_AUTO);
    assert_int_equal(hpo__dataset_align_classes(test, ds), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "label 'w'"));
    assert_true(test->y[0] == 1 && test->y[1] == 0); /* unchanged */
    hpo__dataset_free(test);
    hpo__dataset_free(ds);
}

static void test_scalers(void **state)
{
    (void)state;
    /* columns: 1,2,3,4 ; constant 5 ; -1,1,-1,1 */
    double X[] = {1, 5, -1, 2, 5, 1, 3, 5, -1, 4, 5, 1};
    double Z[12];
    hpo__scaler s;
    memcpy(Z, X, sizeof X);
    assert_int_equal(hpo__scaler_fit(HPO__SCALE_STANDARD, X, 4, 3, &s), 0);
    assert_true(s.shift[0] == 2.5 && s.shift[1] == 5 && s.shift[2] == 0);
    assert_true(fabs(s.scale[0] - sqrt(1.25)) < 1e-15 && s.scale[1] == 1 && s.scale[2] == 1);
    hpo__scaler_apply(&s, Z, 4);
    assert_true(Z[1] == 0 && Z[2] == -1 && fabs(Z[0] + 1.5 / sqrt(1.25)) < 1e-15);
    hpo__scaler_free(&s);
    hpo__scaler_free(&s);
    hpo__scaler_free(NULL);

    memcpy(Z, X, sizeof X);
    assert_int_equal(hpo__scaler_fit(HPO__SCALE_MINMAX, X, 4, 3, &s), 0);
    hpo__scaler_apply(&s, Z, 4);
    double want[] = {0, 0, 0, 1.0 / 3, 0, 1, 2.0 / 3, 0, 0, 1, 0, 1};
    for (size_t i = 0; i < 12; i++)
        assert_true(fabs(Z[i] - want[i]) < 1e-15);
    hpo__scaler_free(&s);

    /* fitted on rows 1 and 3 only: min 2, range 2 in column 0 */
    size_t rows[] = {1, 3};
    assert_int_equal(hpo__scaler_fit_rows(HPO__SCALE_MINMAX, X, 3, rows, 2, &s), 0);
    assert_true(s.shift[0] == 2 && s.scale[0] == 2 && s.shift[2] == 1 && s.scale[2] == 1);
    hpo__scaler_free(&s);

    memcpy(Z, X, sizeof X);
    assert_int_equal(hpo__scaler_fit(HPO__SCALE_NONE, X, 4, 3, &s), 0);
    hpo__scaler_apply(&s, Z, 4);
    assert_memory_equal(Z, X, sizeof X);
    hpo__scaler_free(&s);
    assert_int_equal(hpo__scaler_fit(HPO__SCALE_STANDARD, X, 0, 3, &s), HPO_EINVAL);
}

/* ---- IDX */

static void put32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Write bytes to path, gzip-compressed when gz. */
static void write_file(const char *path, const unsigned char *b, size_t n, int gz)
{
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        if (n)
            assert_int_equal(gzwrite(g, b, (unsigned)n), (int)n);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        if (n)
            assert_int_equal(fwrite(b, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
    }
}

/* n images of 2x3 pixels (pixel i*6+k = 40*i + k) and labels (7,3,7,...). */
static size_t make_images(unsigned char *b, uint32_t magic, uint32_t n)
{
    put32(b, magic);
    put32(b + 4, n);
    put32(b + 8, 2);
    put32(b + 12, 3);
    for (size_t i = 0; i < n * 6; i++)
        b[16 + i] = (unsigned char)(40 * (i / 6) + i % 6);
    return 16 + n * 6;
}

static size_t make_labels(unsigned char *b, uint32_t magic, uint32_t n)
{
    put32(b, magic);
    put32(b + 4, n);
    for (size_t i = 0; i < n; i++)
        b[8 + i] = i % 2 ? 3 : 7;
    return 8 + n;
}

static void idx_err(const char *img, const char *lab, const char *want)
{
    hpo__dataset *ds = NULL;
    int rc = hpo__dataset_load_idx(img, lab, &ds);
    assert_true(rc < 0);
    assert_null(ds);
    if (!strstr(hpo_errmsg(), want))
        fail_msg("message '%s' lacks '%s'", hpo_errmsg(), want);
}

static void test_idx(void **state)
{
    (void)state;
    char dir[] = "/tmp/hpo-test-idx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char img[128], lab[128], bad[128];
    snprintf(img, sizeof img, "%s/images-idx3-ubyte", dir);
    snprintf(lab, sizeof lab, "%s/labels-idx1-ubyte.gz", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    unsigned char b[256];
    for (int gz = 0; gz < 2; gz++) {
        write_file(img, b, make_images(b, 0x803, 5), gz);
        write_file(lab, b, make_labels(b, 0x801, 5), !gz);
        hpo__dataset *ds = NULL;
        assert_int_equal(hpo__dataset_load_idx(img, lab, &ds), 0);
        assert_int_equal(ds->n, 5);
        assert_int_equal(ds->d, 6);
        assert_int_equal(ds->task, HPO__TASK_CLASSIFICATION);
        assert_int_equal(ds->n_classes, 2);
        assert_string_equal(ds->class_names[0], "3");
        assert_string_equal(ds->class_names[1], "7");
        assert_string_equal(ds->feature_names[5], "pixel_1_2");
        assert_true(ds->y[0] == 1 && ds->y[1] == 0);
        assert_true(ds->X[6 * 2 + 4] == 84 / 255.0);
        hpo__dataset_free(ds);
    }
    /* bad magic (labels given as images and the reverse), truncation, counts */
    idx_err(lab, lab, "not an IDX images file (magic 0x00000801, expected 0x00000803)");
    idx_err(img, img, "not an IDX labels file");
    size_t len = make_images(b, 0x803, 5);
    write_file(bad, b, len - 1, 1);
    idx_err(bad, lab, "truncated: 29 of 30 pixel bytes");
    write_file(bad, b, 10, 0);
    idx_err(bad, lab, "truncated IDX header");
    write_file(bad, b, 0, 0);
    idx_err(bad, lab, "truncated IDX file");
    write_file(bad, b, make_labels(b, 0x801, 4), 1);
    idx_err(img, bad, "4 labels but");
    write_file(bad, b, make_labels(b, 0x801, 5) - 2, 0);
    idx_err(img, bad, "truncated: 3 of 5 labels");
    write_file(bad, b, make_images(b, 0x803, 0), 0);
    idx_err(bad, bad, "not an IDX labels file");
    idx_err("/nonexistent/x", lab, "cannot open");

    unlink(img);
    unlink(lab);
    unlink(bad);
    rmdir(dir);
}

/* Debian's dataset-fashion-mnist when installed (upstream's data/fashion/
 * layout or flat); HPO_FASHION_MNIST names another directory. */
static const char *fashion_dir(void)
{
    static char found[512];
    const char *env = getenv("HPO_FASHION_MNIST");
    const char *dirs[] = {env ? env : "", "/usr/share/dataset-fashion-mnist",
                          "/usr/share/dataset-fashion-mnist/data/fashion",
                          "/usr/share/dataset-fashion-mnist/fashion"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(found, sizeof found, "%s/t10k-labels-idx1-ubyte.gz", dirs[i]);
        if (*dirs[i] && access(found, R_OK) == 0) {
            snprintf(found, sizeof found, "%s", dirs[i]);
            return found;
        }
    }
    return NULL;
}

static void test_fashion_mnist(void **state)
{
    (void)state;
    const char *base = fashion_dir();
    if (!base)
        skip();
    const char *sets[] = {"train", "t10k"};
    const size_t sizes[] = {60000, 10000};
    for (size_t k = 0; k < 2; k++) {
        char img[600], lab[600];
        snprintf(img, sizeof img, "%s/%s-images-idx3-ubyte.gz", base, sets[k]);
        snprintf(lab, sizeof lab, "%s/%s-labels-idx1-ubyte.gz", base, sets[k]);
        hpo__dataset *ds = NULL;
        if (hpo__dataset_load_idx(img, lab, &ds) != 0)
            fail_msg("%s", hpo_errmsg());
        assert_int_equal(ds->n, sizes[k]);
        assert_int_equal(ds->d, 784);
        assert_int_equal(ds->n_classes, 10);
        assert_string_equal(ds->class_names[9], "9");
        for (size_t i = 0; i < ds->n * ds->d; i += 997)
            assert_true(ds->X[i] >= 0 && ds->X[i] <= 1);
        hpo__dataset_free(ds);
    }
}

static void test_bundled(void **state)
{
    (void)state;
    const char *src = getenv("HPO_SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/iris.csv", src ? src : ".");
    if (access(path, R_OK) != 0)
        skip();
    hpo__dataset *ds = NULL;
    assert_int_equal(hpo__dataset_load_csv(path, NULL, HPO__TASK_AUTO, &ds), 0);
    assert_int_equal(ds->n, 150);
    assert_int_equal(ds->d, 4);
    assert_int_equal(ds->n_classes, 3);
    assert_true(ds->X[0] == 5.1 && ds->y[149] == 2);
    hpo__dataset_free(ds);
}

/* Every allocation failing in turn gives HPO_ENOMEM and no leak. */
static void test_enomem(void **state)
{
    (void)state;
    const char *text = "\"a\",b,t\r\n1,2,x\r\n3,4,y\r\n5,6,x\r\n";
    int done = 0;
    for (long k = 0; !done && k < 1000; k++) {
        hpo__dataset *ds = NULL, *s = NULL, *ref = NULL;
        hpo__scaler sc;
        size_t rows[] = {1, 2};
        hpo__alloc_fail_after(k);
        int rc = hpo__dataset_parse_csv(text, strlen(text), "t.csv", NULL, HPO__TASK_AUTO, &ds);
        if (rc == 0)
            rc = hpo__dataset_subset(ds, rows, 2, &s);
        if (rc == 0)
            rc = hpo__dataset_subset(ds, rows, 1, &ref);
        if (rc == 0)
            rc = hpo__dataset_align_classes(ref, ds);
        if (rc == 0) {
            rc = hpo__scaler_fit(HPO__SCALE_STANDARD, ds->X, ds->n, ds->d, &sc);
            hpo__scaler_free(&sc);
        }
        hpo__alloc_fail_after(-1);
        if (rc == 0)
            done = 1;
        else
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__dataset_free(ds);
        hpo__dataset_free(s);
        hpo__dataset_free(ref);
    }
    assert_true(done);

    char dir[] = "/tmp/hpo-test-idxm-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char img[128], lab[128];
    snprintf(img, sizeof img, "%s/i.gz", dir);
    snprintf(lab, sizeof lab, "%s/l", dir);
    unsigned char b[256];
    write_file(img, b, make_images(b, 0x803, 5), 1);
    write_file(lab, b, make_labels(b, 0x801, 5), 0);
    done = 0;
    for (long k = 0; !done && k < 1000; k++) {
        hpo__dataset *ds = NULL;
        hpo__alloc_fail_after(k);
        int rc = hpo__dataset_load_idx(img, lab, &ds);
        hpo__alloc_fail_after(-1);
        if (rc == 0)
            done = 1;
        else
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__dataset_free(ds);
    }
    assert_true(done);
    unlink(img);
    unlink(lab);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_dialect),
        cmocka_unit_test(test_classes_and_task),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_subset_align),
        cmocka_unit_test(test_scalers),
        cmocka_unit_test(test_idx),
        cmocka_unit_test(test_fashion_mnist),
        cmocka_unit_test(test_bundled),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
