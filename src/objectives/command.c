/*
 * command.c -- the external-command objective: one process group per trial,
 * argv built from a template (template.c), the metric read from streamed stdout
 * (metric.c) or from $HPO_RESULT_FILE, a timeout that kills the whole group.
 *
 * Reference behaviour: W&B/Katib argv templates and metric collectors, Orion's
 * ORION_* environment and results file, NNI's per-trial log directory
 * (trials/<n>/stdout.log, stderr.log), Optuna's "NaN fails the trial".
 *
 * Invariants
 *   - argv, envp and the resolved program path are built first; posix_spawn
 *     (glibc: vfork-like, so the cost does not grow with this process's memory)
 *     makes the child a new process-group leader with default signal handling,
 *     an empty mask, stdin /dev/null, stdout our pipe, stderr the log; an exec
 *     failure is its return value.
 *   - Every descriptor is created close-on-exec (pipe2, O_CLOEXEC), so
 *     concurrent trials never leak pipe ends into each other's children (which
 *     would delay EOF), with no lock between workers.
 *   - Stopping (timeout, prune, interrupt): SIGTERM to the group, SIGKILL after
 *     kill_grace. The leader is observed with waitid(WNOWAIT) so the group id stays
 *     reserved (a zombie holds it) until leftover members are SIGKILLed; then it
 *     is reaped. Nothing of a trial outlives hpo__command_run (barring processes
 *     that left the group on purpose).
 *   - hpo_command_interrupt only sets an atomic flag; running trials poll it at
 *     least every 100 ms. The flag is sticky: later trials stop at once.
 * Costs: one poll loop per trial, output copied once to stdout.log.
 */
/* pipe2 and posix_spawn_file_actions_addchdir_np (glibc >= 2.29) */
#define _GNU_SOURCE 1

#include "objectives/command.h"

#include "objectives/metric.h"
#include "objectives/template.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_KILL_GRACE 10.0
#define POLL_MS 100
#define STDERR_TAIL_LINES 20
#define STDERR_TAIL_BYTES 8192
/* After the leader exits, how long leftover writers may keep stdout open. */
#define LINGER_SECONDS 1.0

struct hpo_command {
    char **argv;
    size_t argc;
    int shell;
    char **env; /* "KEY=VALUE" strings, n_env of them */
    size_t n_env;
    char *workdir;
    char *output;
    char *study;
    unsigned long long seed;
    double timeout;
    double kill_grace;
    hpo__metric *metric;
    atomic_int interrupted;
};

/* ---------------------------------------------------------------- create */

static void free_strv(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        hpo__free(v[i]);
    hpo__free(v);
}

void hpo_command_destroy(hpo_command *cmd)
{
    if (!cmd)
        return;
    free_strv(cmd->argv, cmd->argc);
    free_strv(cmd->env, cmd->n_env);
    hpo__free(cmd->workdir);
    hpo__free(cmd->output);
    hpo__free(cmd->study);
    hpo__metric_destroy(cmd->metric);
    hpo__free(cmd);
}

int hpo_command_create(hpo_command **out, const hpo_command_options *opts)
{
    int rc = 0;
    hpo_command *cmd = NULL;
    if (!out || !opts)
        return hpo__err(HPO_EINVAL, "hpo_command_create: NULL argument");
    if (opts->version != HPO_COMMAND_OPTIONS_VERSION)
        return hpo__err(HPO_EINVAL, "hpo_command_create: options version %u, expected %u",
                        opts->version, (unsigned)HPO_COMMAND_OPTIONS_VERSION);
    if (opts->argc < 1 || !opts->argv || !opts->argv[0] || !opts->argv[0][0])
        return hpo__err(HPO_EINVAL, "command: argv needs at least a program name");
    if ((rc = hpo__template_check(opts->argv, opts->argc)) < 0)
        return rc;
    if (!(opts->timeout >= 0) || isinf(opts->timeout))
        return hpo__err(HPO_EINVAL, "command: timeout must be a finite number >= 0");
    if (!(opts->kill_grace >= 0) || isinf(opts->kill_grace))
        return hpo__err(HPO_EINVAL, "command: kill_grace must be a finite number >= 0");
    if (opts->n_env && !opts->env)
        return hpo__err(HPO_EINVAL, "command: env is NULL");
    for (size_t i = 0; i < opts->n_env; i++) {
        const char *k = opts->env[i].key;
        if (!k || !k[0] || strchr(k, '=') || !opts->env[i].value)
            return hpo__err(HPO_EINVAL, "command: env[%zu]: invalid variable name or value", i);
    }
    cmd = hpo__calloc(1, sizeof *cmd);
    if (!cmd)
        return hpo__enomem();
    atomic_init(&cmd->interrupted, 0);
    hpo__metric_config mc = {.name = opts->metric,
                             .regex = opts->metric_regex,
                             .step_key = opts->step_key,
                             .strategy = opts->strategy};
    if ((rc = hpo__metric_create(&cmd->metric, &mc)) < 0)
        goto done;
    cmd->argv = hpo__calloc(opts->argc + 1, sizeof *cmd->argv);
    if (!cmd->argv)
        goto oom;
    for (; cmd->argc < opts->argc; cmd->argc++) {
        cmd->argv[cmd->argc] = hpo__strdup(opts->argv[cmd->argc]);
        if (!cmd->argv[cmd->argc])
            goto oom;
    }
    if (opts->n_env) {
        cmd->env = hpo__calloc(opts->n_env, sizeof *cmd->env);
        if (!cmd->env)
            goto oom;
        for (; cmd->n_env < opts->n_env; cmd->n_env++) {
            hpo__buf b = HPO__BUF_INIT;
            hpo__buf_printf(&b, "%s=%s", opts->env[cmd->n_env].key, opts->env[cmd->n_env].value);
            if (hpo__buf_take(&b, &cmd->env[cmd->n_env]) < 0)
                goto oom;
        }
    }
    cmd->shell = opts->shell != 0;
    cmd->seed = opts->seed;
    cmd->timeout = opts->timeout;
    cmd->kill_grace = opts->kill_grace > 0 ? opts->kill_grace : DEFAULT_KILL_GRACE;
    if ((opts->workdir && !(cmd->workdir = hpo__strdup(opts->workdir))) ||
        (opts->study && !(cmd->study = hpo__strdup(opts->study))))
        goto oom;
    if (opts->output) {
        cmd->output = hpo__strdup(opts->output);
    } else {
        hpo__buf b = HPO__BUF_INIT;
        hpo__buf_printf(&b, "runs/%s", opts->study && opts->study[0] ? opts->study : "default");
        if (hpo__buf_take(&b, &cmd->output) < 0)
            cmd->output = NULL;
    }
    if (!cmd->output)
        goto oom;
    *out = cmd;
    cmd = NULL;
    goto done;
oom:
    rc = hpo__enomem();
done:
    hpo_command_destroy(cmd);
    return rc;
}

void hpo_command_interrupt(hpo_command *cmd)
{
    if (cmd)
        atomic_store(&cmd->interrupted, 1);
}

int hpo_command_parse_output(const hpo_command *cmd, const char *text, size_t len, double *value,
                             size_t *n_steps)
{
    if (!cmd || (!text && len) || !value || !n_steps)
        return hpo__err(HPO_EINVAL, "hpo_command_parse_output: NULL argument");
    return hpo__metric_parse(cmd->metric, text ? text : "", len, NULL, NULL, value, n_steps);
}

/* ---------------------------------------------------------------- helpers */

int hpo__command_value_text(const hpo_value *v, char **out)
{
    char tmp[64];
    const char *s = tmp;
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        hpo__fmt_double(tmp, sizeof tmp, v->u.f);
        break;
    case HPO_VALUE_INT:
        snprintf(tmp, sizeof tmp, "%lld", v->u.i);
        break;
    case HPO_VALUE_BOOL:
        s = v->u.b ? "true" : "false";
        break;
    case HPO_VALUE_STRING:
        s = v->u.s ? v->u.s : "";
        break;
    default:
        return hpo__err(HPO_EINVAL, "parameter value of unknown type %d", (int)v->type);
    }
    char *d = hpo__strdup(s);
    if (!d)
        return hpo__enomem();
    *out = d;
    return 0;
}

/* mkdir -p; 1 when the last component was newly made. The common case, a new
 * trial directory in an existing parent, is one mkdir; only when that fails
 * is the path walked component by component. */
static int mkdir_p(const char *path)
{
    if (mkdir(path, 0777) == 0)
        return 1;
    char *p = hpo__strdup(path);
    int rc = 0;
    if (!p)
        return hpo__enomem();
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = hpo__err(HPO_EIO, "cannot create directory '%s': %s", p, strerror(errno));
            goto done;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = hpo__err(HPO_EIO, "'%s' is not a directory", path);
done:
    hpo__free(p);
    return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return hpo__err(HPO_EIO, "cannot write '%s': %s", path, strerror(errno));
    int bad = write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0;
    if (close(fd) != 0)
        bad = 1;
    if (bad)
        return hpo__err(HPO_EIO, "cannot write '%s'", path);
    return 0;
}

/* Read a whole (small) file; HPO_ENOTFOUND when absent. */
static int read_file(const char *path, char **out, size_t *len)
{
    hpo__buf b = HPO__BUF_INIT;
    char chunk[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? HPO_ENOTFOUND
                               : hpo__err(HPO_EIO, "cannot read '%s': %s", path, strerror(errno));
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        hpo__buf_append(&b, chunk, (size_t)r);
        if (b.len > 64u * 1024 * 1024)
            break;
    }
    close(fd);
    *len = b.len;
    return hpo__buf_take(&b, out);
}

/* The last STDERR_TAIL_LINES lines of a log file, or NULL. */
static char *file_tail(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char buf[STDERR_TAIL_BYTES + 1];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t start = size > STDERR_TAIL_BYTES ? size - STDERR_TAIL_BYTES : 0;
    size_t got = 0;
    if (size > 0 && lseek(fd, start, SEEK_SET) == start) {
        while (got < STDERR_TAIL_BYTES) {
            ssize_t r = read(fd, buf + got, STDERR_TAIL_BYTES - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
    }
    close(fd);
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
        got--;
    if (got == 0)
        return NULL;
    buf[got] = '\0';
    size_t lines = 0, i = got;
    while (i > 0) {
        if (buf[i - 1] == '\n' && ++lines == STDERR_TAIL_LINES)
            break;
        i--;
    }
    for (size_t k = i; k < got; k++)
        if (buf[k] == '\0')
            buf[k] = '?';
    return hpo__strdup(buf + i);
}

static const char *env_value(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* The program to execve: as given when it has a '/', else the first executable
 * regular file in PATH (of the child's environment). */
static int resolve_program(const char *prog, char **envp, char **out)
{
    if (strchr(prog, '/')) {
        char *d = hpo__strdup(prog);
        if (!d)
            return hpo__enomem();
        *out = d;
        return 0;
    }
    const char *path = env_value(envp, "PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    hpo__buf b = HPO__BUF_INIT;
    for (const char *p = path;;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        b.len = 0;
        if (n)
            hpo__buf_append(&b, p, n);
        else
            hpo__buf_putc(&b, '.');
        hpo__buf_putc(&b, '/');
        hpo__buf_puts(&b, prog);
        if (b.oom) {
            hpo__buf_free(&b);
            return hpo__enomem();
        }
        struct stat st;
        if (stat(b.data, &st) == 0 && S_ISREG(st.st_mode) && access(b.data, X_OK) == 0)
            return hpo__buf_take(&b, out);
        if (!colon)
            break;
        p = colon + 1;
    }
    hpo__buf_free(&b);
    return hpo__err(HPO_EOBJECTIVE, "cannot execute '%s': %s", prog, strerror(ENOENT));
}

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void vec_free(strvec *s)
{
    free_strv(s->v, s->n);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* Append "KEY=VALUE" (owned), replacing an earlier entry with the same key. */
static int env_set(strvec *s, char *kv)
{
    if (!kv)
        return hpo__enomem();
    size_t klen = strcspn(kv, "=");
    for (size_t i = 0; i < s->n; i++) {
        if (strncmp(s->v[i], kv, klen) == 0 && s->v[i][klen] == '=') {
            hpo__free(s->v[i]);
            s->v[i] = kv;
            return 0;
        }
    }
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **nv = hpo__realloc(s->v, cap * sizeof *nv);
        if (!nv) {
            hpo__free(kv);
            return hpo__enomem();
        }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = kv;
    s->v[s->n] = NULL;
    return 0;
}

static char *kv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *kv_printf(const char *fmt, ...)
{
    hpo__buf b = HPO__BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    hpo__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *s = NULL;
    if (hpo__buf_take(&b, &s) < 0)
        return NULL;
    return s;
}

/* The text of a budget in ${budget} and HPO_BUDGET: an integer when it is one
 * (epochs), else the shortest round-trip float; "" for none (NaN). */
static char *budget_text(double b)
{
    if (isnan(b))
        return hpo__strdup("");
    if (b == floor(b) && fabs(b) < 9e15)
        return kv_printf("%lld", (long long)b);
    hpo_value v = {.type = HPO_VALUE_FLOAT};
    v.u.f = b;
    char *out = NULL;
    return hpo__command_value_text(&v, &out) == 0 ? out : NULL;
}

/* Hpo's own files in a trial directory: not part of a checkpoint. */
static int own_file(const char *name)
{
    return !strcmp(name, "params.json") || !strcmp(name, "result.json") ||
           !strcmp(name, "stdout.log") || !strcmp(name, "stderr.log");
}

static int copy_file(const char *from, const char *to)
{
    int rc = 0, in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
    char *buf = NULL;
    if (in < 0)
        return hpo__err(HPO_EIO, "cannot read '%s': %s", from, strerror(errno));
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out < 0) {
        rc = hpo__err(HPO_EIO, "cannot write '%s': %s", to, strerror(errno));
        goto done;
    }
    if (!(buf = hpo__malloc(1 << 16))) {
        rc = hpo__enomem();
        goto done;
    }
    for (;;) {
        ssize_t n = read(in, buf, 1 << 16);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hpo__err(HPO_EIO, "cannot read '%s': %s", from, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if ((rc = write_all(out, buf, (size_t)n)) < 0)
            break;
    }
done:
    hpo__free(buf);
    if (out >= 0 && close(out) != 0 && rc == 0)
        rc = hpo__err(HPO_EIO, "cannot write '%s': %s", to, strerror(errno));
    close(in);
    return rc;
}

/* Copy the checkpoint a promoted trial continues from: every file and folder
 * of the parent's directory but hpo's own files (top level only), so that
 * ${trial.dir} alone lets a script resume, and the parent's files stay as
 * they were (a re-run of this trial copies them again). */
static int copy_tree(const char *from, const char *to, int top)
{
    DIR *d = opendir(from);
    if (!d)
        return errno == ENOENT ? 0
                               : hpo__err(HPO_EIO, "cannot read '%s': %s", from, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (top && own_file(e->d_name)))
            continue;
        char *src = kv_printf("%s/%s", from, e->d_name), *dst = kv_printf("%s/%s", to, e->d_name);
        struct stat st;
        if (!src || !dst)
            rc = hpo__enomem();
        else if (lstat(src, &st) != 0)
            rc = hpo__err(HPO_EIO, "cannot read '%s': %s", src, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = (rc = mkdir_p(dst)) < 0 ? rc : copy_tree(src, dst, 0);
        else if (S_ISREG(st.st_mode))
            rc = copy_file(src, dst);
        hpo__free(src);
        hpo__free(dst);
    }
    closedir(d);
    return rc;
}

/* The child's environment: inherited < HPO_* and PYTHONUNBUFFERED < opts->env. */
static int build_env(const hpo_command *cmd, const hpo__cmd_trial *t, const char *const *texts,
                     const char *trial_dir, const char *params_json, const char *params_file,
                     const char *result_file, const hpo__tmpl_ctx *tc, strvec *env)
{
    int rc = 0;
    for (char **e = environ; e && *e; e++) {
        if (!strchr(*e, '='))
            continue;
        if ((rc = env_set(env, hpo__strdup(*e))) < 0)
            return rc;
    }
    const char *study = cmd->study ? cmd->study : "";
    if ((rc = env_set(env, kv_printf("HPO_STUDY=%s", study))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_TRIAL_ID=%lld", t->number))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_TRIAL_NUMBER=%lld", t->number))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_TRIAL_DIR=%s", trial_dir))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_PARAMS_JSON=%s", params_json))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_PARAMS_FILE=%s", params_file))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_RESULT_FILE=%s", result_file))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_SEED=%llu", cmd->seed))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_BUDGET=%s", tc->budget))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_BUDGET_START=%s", tc->budget_start))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_TRIAL_PARENT_DIR=%s", tc->parent_dir))) < 0 ||
        (rc = env_set(env, kv_printf("HPO_WORKER=%d", hpo__worker_index()))) < 0 ||
        (rc = env_set(env, kv_printf("PYTHONUNBUFFERED=1"))) < 0)
        return rc;
    for (size_t i = 0; i < t->n_params; i++) {
        char *kv = kv_printf("HPO_PARAM_%s=%s", t->names[i], texts[i]);
        if (!kv)
            return hpo__enomem();
        for (char *c = kv + 10; *c && *c != '='; c++) {
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
            else if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
                *c = '_';
        }
        if ((rc = env_set(env, kv)) < 0)
            return rc;
    }
    for (size_t i = 0; i < cmd->n_env; i++)
        if ((rc = env_set(env, hpo__strdup(cmd->env[i]))) < 0)
            return rc;
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* ---------------------------------------------------------------- the run */

enum stop_reason { STOP_NONE = 0, STOP_TIMEOUT, STOP_PRUNE, STOP_INTERRUPT };

typedef struct run_state {
    const hpo__cmd_trial *t;
    int prune;
} run_state;

static int on_value(long long step, double value, void *payload)
{
    run_state *rs = payload;
    int prune = 0;
    if (rs->t->report && rs->t->report(rs->t->ctx, step, value, &prune) == 0 && prune) {
        rs->prune = 1;
        return HPO_EPRUNED;
    }
    return 0;
}

static char *fmt_reason(const char *head, const char *tail)
{
    if (tail)
        return kv_printf("%s; last stderr lines:\n%s", head, tail);
    return hpo__strdup(head);
}

void hpo__cmd_result_free(hpo__cmd_result *res)
{
    if (!res)
        return;
    hpo__free(res->error);
    hpo__free(res->log_dir);
    res->error = NULL;
    res->log_dir = NULL;
}

static int fail_with(hpo__cmd_result *res, int code, char *msg)
{
    hpo__free(res->error);
    res->error = msg;
    if (!msg)
        return hpo__enomem();
    return hpo__err(code, "%s", msg);
}

int hpo__command_run(hpo_command *cmd, const hpo__cmd_trial *t, hpo__cmd_result *res)
{
    int rc = 0;
    char **texts = NULL;
    char *trial_dir = NULL, *params_file = NULL, *result_file = NULL;
    char *budget = NULL, *budget_start = NULL, *parent_dir = NULL;
    char *out_log = NULL, *err_log = NULL, *path = NULL;
    char **argv = NULL;
    char *results_text = NULL, *tail = NULL;
    char *chunk = NULL;
    strvec env = {0};
    hpo__metric_run mr;
    int mr_ready = 0;
    int out_pipe[2] = {-1, -1};
    int in_fd = -1, out_log_fd = -1, err_fd = -1;
    pid_t pid = -1;
    int reaped = 0, status = 0;
    char cwd[4096];

    if (!cmd || !t || !res)
        return hpo__err(HPO_EINVAL, "hpo__command_run: NULL argument");
    res->value = (double)NAN;
    res->error = NULL;
    res->log_dir = NULL;
    if (atomic_load(&cmd->interrupted)) {
        rc = fail_with(res, HPO_ESTOPPED, hpo__strdup("interrupted before start"));
        if (rc != HPO_ENOMEM)
            rc = HPO_ESTOPPED;
        goto done;
    }

    /* values as text */
    if (t->n_params) {
        texts = hpo__calloc(t->n_params, sizeof *texts);
        if (!texts)
            goto oom;
        for (size_t i = 0; i < t->n_params; i++)
            if ((rc = hpo__command_value_text(&t->values[i], &texts[i])) < 0)
                goto setup_failed;
    }

    /* the trial directory, absolute so that workdir does not change its meaning */
    {
        hpo__buf b = HPO__BUF_INIT;
        if (cmd->output[0] != '/') {
            if (!getcwd(cwd, sizeof cwd)) {
                rc = hpo__err(HPO_EIO, "getcwd: %s", strerror(errno));
                goto setup_failed;
            }
            hpo__buf_printf(&b, "%s/", strcmp(cwd, "/") == 0 ? "" : cwd);
        }
        hpo__buf_printf(&b, "%s/trials/%lld", cmd->output, t->number);
        if (hpo__buf_take(&b, &trial_dir) < 0)
            goto oom;
    }
    if ((rc = mkdir_p(trial_dir)) < 0)
        goto setup_failed;
    int new_dir = rc == 1;
    rc = 0;
    if (!(res->log_dir = hpo__strdup(trial_dir)))
        goto oom;
    params_file = kv_printf("%s/params.json", trial_dir);
    result_file = kv_printf("%s/result.json", trial_dir);
    out_log = kv_printf("%s/stdout.log", trial_dir);
    err_log = kv_printf("%s/stderr.log", trial_dir);
    if (!params_file || !result_file || !out_log || !err_log)
        goto oom;
    /* a re-run with the same number starts clean */
    if (!new_dir && unlink(result_file) != 0 && errno != ENOENT) {
        rc = hpo__err(HPO_EIO, "cannot remove '%s': %s", result_file, strerror(errno));
        goto setup_failed;
    }
    const char *params_json = t->params_json ? t->params_json : "{}";
    if ((rc = write_file(params_file, params_json)) < 0)
        goto setup_failed;
    if (!(budget = budget_text(t->budget)) ||
        !(budget_start = budget_text(isnan(t->budget) ? (double)NAN : t->budget_start)))
        goto oom;
    if (t->parent >= 0) {
        /* same form as trial_dir: <output>/trials/<parent> */
        size_t cut = strlen(trial_dir);
        while (cut > 0 && trial_dir[cut - 1] != '/')
            cut--;
        if (!(parent_dir = kv_printf("%.*s%lld", (int)cut, trial_dir, t->parent)))
            goto oom;
        if ((rc = copy_tree(parent_dir, trial_dir, 1)) < 0)
            goto setup_failed;
    }

    /* argv and environment */
    hpo__tmpl_ctx tc = {.n_params = t->n_params,
                        .names = t->names,
                        .texts = (const char *const *)texts,
                        .params_json = params_json,
                        .params_file = params_file,
                        .number = t->number,
                        .trial_dir = trial_dir,
                        .study = cmd->study,
                        .seed = cmd->seed,
                        .budget = budget,
                        .budget_start = budget_start,
                        .parent_dir = parent_dir ? parent_dir : ""};
    if ((rc = hpo__template_expand((const char *const *)cmd->argv, cmd->argc, &tc, cmd->shell,
                                   &argv, NULL)) < 0)
        goto setup_failed;
    if ((rc = build_env(cmd, t, (const char *const *)texts, trial_dir, params_json, params_file,
                        result_file, &tc, &env)) < 0)
        goto setup_failed;
    if ((rc = resolve_program(argv[0], env.v, &path)) < 0)
        goto setup_failed;
    if ((rc = hpo__metric_run_init(&mr, cmd->metric, on_value, NULL)) < 0)
        goto setup_failed;
    mr_ready = 1;
    chunk = hpo__malloc(65536);
    if (!chunk)
        goto oom;

    /* descriptors */
    in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    out_log_fd = open(out_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    err_fd = open(err_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (in_fd < 0 || out_log_fd < 0 || err_fd < 0) {
        rc =
            hpo__err(HPO_EIO, "cannot open the trial logs in '%s': %s", trial_dir, strerror(errno));
        goto setup_failed;
    }

    run_state rs = {.t = t, .prune = 0};
    mr.payload = &rs;
    /* posix_spawn (vfork-like in glibc: no copy of this process's page tables)
     * starts the command as the leader of a new process group, with default
     * signal handling and an empty mask, stdin from /dev/null, stdout into our
     * pipe and stderr into the log. Exec failures come back as its result. */
    int perr = 0;
    if (cmd->workdir) {
        struct stat wst;
        int serr = stat(cmd->workdir, &wst) != 0 ? errno : S_ISDIR(wst.st_mode) ? 0 : ENOTDIR;
        if (serr) {
            char what[512];
            snprintf(what, sizeof what, "cannot change to directory '%s': %s", cmd->workdir,
                     strerror(serr));
            rc = fail_with(res, HPO_EOBJECTIVE, hpo__strdup(what));
            if (rc != HPO_ENOMEM)
                rc = HPO_EOBJECTIVE;
            goto done;
        }
    }
    /* Checked here too, not only through posix_spawn's result: under some
     * emulators (valgrind) an exec failure in the child shows only as status 127. */
    if (access(path, X_OK) != 0) {
        char what[512];
        snprintf(what, sizeof what, "cannot execute '%s': %s", argv[0], strerror(errno));
        rc = fail_with(res, HPO_EOBJECTIVE, hpo__strdup(what));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        rc = hpo__err(HPO_EIO, "cannot start the command: %s", strerror(errno));
        goto setup_failed;
    }
    {
        posix_spawnattr_t attr;
        posix_spawn_file_actions_t fa;
        sigset_t dflt, none;
        sigemptyset(&none);
        sigemptyset(&dflt);
        const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaddset(&dflt, sigs[i]);
        perr = posix_spawnattr_init(&attr);
        if (perr == 0) {
            posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                POSIX_SPAWN_SETSIGMASK);
            posix_spawnattr_setpgroup(&attr, 0);
            posix_spawnattr_setsigdefault(&attr, &dflt);
            posix_spawnattr_setsigmask(&attr, &none);
            perr = posix_spawn_file_actions_init(&fa);
            if (perr == 0) {
                if (cmd->workdir)
                    perr = posix_spawn_file_actions_addchdir_np(&fa, cmd->workdir);
                if (perr == 0)
                    perr = posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
                if (perr == 0)
                    perr = posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
                if (perr == 0)
                    perr = posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
                if (perr == 0)
                    perr = posix_spawn(&pid, path, &fa, &attr, argv, env.v);
                posix_spawn_file_actions_destroy(&fa);
            }
            posix_spawnattr_destroy(&attr);
        }
    }
    close_fd(&out_pipe[1]);
    close_fd(&in_fd);
    close_fd(&err_fd);
    if (perr) {
        pid = -1;
        char what[512];
        snprintf(what, sizeof what, "cannot execute '%s': %s", argv[0], strerror(perr));
        rc = fail_with(res, HPO_EOBJECTIVE, hpo__strdup(what));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }

    /* the loop: stream stdout, watch the clock, the flag and the leader */
    enum stop_reason stop = STOP_NONE;
    double t0 = hpo__monotonic();
    double term_at = 0, exit_at = 0, group_kill_at = 0;
    int pipe_open = 1, exited = 0, killed = 0, group_killed = 0;
    int idle_ms = 0; /* back-off while waiting for the leader after stdout closed */
    for (;;) {
        double now = hpo__monotonic();
        if (stop == STOP_NONE && !exited) {
            if (atomic_load(&cmd->interrupted))
                stop = STOP_INTERRUPT;
            else if (rs.prune)
                stop = STOP_PRUNE;
            else if (cmd->timeout > 0 && now - t0 >= cmd->timeout)
                stop = STOP_TIMEOUT;
            if (stop != STOP_NONE) {
                kill(-pid, SIGTERM);
                term_at = now;
            }
        } else if (!exited && !killed && now - term_at >= cmd->kill_grace) {
            kill(-pid, SIGKILL);
            killed = 1;
        }
        if (!exited) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == pid) {
                exited = 1;
                exit_at = now;
                if (!pipe_open || stop != STOP_NONE) {
                    kill(-pid, SIGKILL); /* leftover members of the group */
                    group_killed = 1;
                    group_kill_at = now;
                }
            }
        }
        if (exited && !pipe_open)
            break;
        if (exited && !group_killed && now - exit_at >= LINGER_SECONDS) {
            kill(-pid, SIGKILL);
            group_killed = 1;
            group_kill_at = now;
        }
        if (exited && group_killed && now - group_kill_at >= LINGER_SECONDS)
            break; /* stdout held open by a process outside the group */
        if (!pipe_open) {
            /* stdout closed: the leader is usually exiting right now, so check
             * again soon, backing off to 20 ms for commands that close stdout
             * early and keep running. */
            idle_ms = idle_ms ? (idle_ms * 2 > 20 ? 20 : idle_ms * 2) : 1;
            struct timespec ts = {0, 1000000L * idle_ms / (idle_ms == 1 ? 4 : 1)};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pfd = {.fd = out_pipe[0], .events = POLLIN};
        int pr = poll(&pfd, 1, POLL_MS);
        if (pr <= 0)
            continue;
        ssize_t r = read(out_pipe[0], chunk, 65536);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            pipe_open = 0;
            if (exited && !group_killed) {
                kill(-pid, SIGKILL);
                group_killed = 1;
            }
            continue;
        }
        (void)write_all(out_log_fd, chunk, (size_t)r); /* a full disk does not fail the trial */
        if (stop == STOP_NONE) {
            int frc = hpo__metric_run_feed(&mr, chunk, (size_t)r);
            if (frc == HPO_ENOMEM) {
                rc = HPO_ENOMEM;
                break;
            }
        }
    }
    if (!exited)
        kill(-pid, SIGKILL); /* only after an allocation failure above */
    else if (!group_killed)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped = 1;
    if (rc == HPO_ENOMEM)
        goto oom;
    if (stop == STOP_NONE && hpo__metric_run_finish(&mr) == HPO_EPRUNED)
        stop = STOP_PRUNE;

    /* the verdict */
    if (stop == STOP_INTERRUPT) {
        rc = fail_with(res, HPO_ESTOPPED, hpo__strdup("interrupted; process group killed"));
        if (rc != HPO_ENOMEM)
            rc = HPO_ESTOPPED;
        goto done;
    }
    if (stop == STOP_TIMEOUT) {
        char what[128];
        char secs[40];
        hpo__fmt_double(secs, sizeof secs, cmd->timeout);
        snprintf(what, sizeof what, "timed out after %ss; process group killed", secs);
        rc = fail_with(res, HPO_EOBJECTIVE, hpo__strdup(what));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }
    if (stop == STOP_PRUNE) {
        rc = hpo__err(HPO_EPRUNED, "pruned");
        goto done;
    }
    if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
        char what[128];
        if (WIFSIGNALED(status)) {
            const char *name = strsignal(WTERMSIG(status));
            snprintf(what, sizeof what, "killed by signal %d (%s)", WTERMSIG(status),
                     name ? name : "unknown");
        } else {
            snprintf(what, sizeof what, "exit status %d", WEXITSTATUS(status));
        }
        tail = file_tail(err_log);
        rc = fail_with(res, HPO_EOBJECTIVE, fmt_reason(what, tail));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }

    /* the metric: the results file wins over stdout */
    double value = hpo__metric_run_value(&mr);
    size_t n = mr.n;
    size_t rlen = 0;
    int frc = read_file(result_file, &results_text, &rlen);
    if (frc == 0) {
        double fv = (double)NAN;
        size_t fn = 0;
        /* values of a results file are reported only when stdout had none */
        frc = hpo__metric_parse_results(cmd->metric, results_text, rlen, mr.n ? NULL : on_value,
                                        &rs, &fv, &fn);
        if (frc < 0 && frc != HPO_EPRUNED) {
            rc = fail_with(res, HPO_EOBJECTIVE, kv_printf("%s", hpo_errmsg()));
            if (rc != HPO_ENOMEM)
                rc = HPO_EOBJECTIVE;
            goto done;
        }
        if (frc == HPO_EPRUNED) {
            rc = hpo__err(HPO_EPRUNED, "pruned");
            goto done;
        }
        if (fn > 0) {
            value = fv;
            n = fn;
        }
    } else if (frc != HPO_ENOTFOUND) {
        rc = fail_with(res, HPO_EOBJECTIVE, kv_printf("%s", hpo_errmsg()));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }
    if (n == 0) {
        char last[HPO__METRIC_TAIL * (HPO__METRIC_TAIL_WIDTH + 3) + 1];
        hpo__metric_run_tail(&mr, last, sizeof last);
        rc =
            fail_with(res, HPO_EOBJECTIVE,
                      kv_printf("no value for %s in the output; last lines: %s",
                                hpo__metric_describe(cmd->metric), last[0] ? last : "(no output)"));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }
    if (!isfinite(value)) {
        char v[40];
        hpo__fmt_double(v, sizeof v, value);
        rc = fail_with(res, HPO_EOBJECTIVE,
                       kv_printf("metric '%s' is %s", hpo__metric_key(cmd->metric), v));
        if (rc != HPO_ENOMEM)
            rc = HPO_EOBJECTIVE;
        goto done;
    }
    res->value = value;
    rc = 0;
    goto done;

oom:
    rc = hpo__enomem();
setup_failed:
    if (!res->error) {
        char *msg = hpo__strdup(hpo_errmsg());
        res->error = msg;
    }
    if (rc == 0)
        rc = HPO_EIO;
    else if (rc == HPO_EINVAL)
        rc = HPO_EOBJECTIVE; /* e.g. an unknown placeholder: the trial fails */
done:
    if (pid > 0 && !reaped) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&in_fd);
    close_fd(&out_log_fd);
    close_fd(&err_fd);
    if (mr_ready)
        hpo__metric_run_free(&mr);
    if (texts)
        free_strv(texts, t->n_params);
    hpo__template_free(argv);
    vec_free(&env);
    hpo__free(trial_dir);
    hpo__free(budget);
    hpo__free(budget_start);
    hpo__free(parent_dir);
    hpo__free(params_file);
    hpo__free(result_file);
    hpo__free(out_log);
    hpo__free(err_log);
    hpo__free(path);
    hpo__free(results_text);
    hpo__free(tail);
    hpo__free(chunk);
    return rc;
}

/* ---------------------------------------------------------------- adapter */

static int trial_report(void *ctx, long long step, double value, int *should_prune)
{
    return hpo_trial_report(ctx, step, value, should_prune);
}

int hpo_command_objective(hpo_trial *trial, double *value, void *payload)
{
    hpo_command *cmd = payload;
    int rc = 0;
    const char **names = NULL;
    hpo_value *values = NULL;
    char *json = NULL;
    hpo__cmd_result res = {0};
    if (!trial || !value || !cmd)
        return hpo__err(HPO_EINVAL, "hpo_command_objective: NULL argument");
    size_t n = hpo_trial_param_count(trial);
    if (n) {
        names = hpo__calloc(n, sizeof *names);
        values = hpo__calloc(n, sizeof *values);
        if (!names || !values) {
            rc = hpo__enomem();
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = hpo_trial_param_name(trial, i);
        if ((rc = hpo_trial_param_at(trial, i, &values[i])) < 0)
            goto done;
        if (!names[i]) {
            rc = hpo__err(HPO_EINVAL, "trial parameter %zu has no name", i);
            goto done;
        }
    }
    if ((rc = hpo_trial_params_json(trial, &json)) < 0)
        goto done;
    hpo__cmd_trial t = {.number = hpo_trial_number(trial),
                        .budget = hpo_trial_budget(trial),
                        .budget_start = hpo_trial_budget_start(trial),
                        .parent = hpo_trial_parent(trial),
                        .n_params = n,
                        .names = names,
                        .values = values,
                        .params_json = json,
                        .report = trial_report,
                        .ctx = trial};
    rc = hpo__command_run(cmd, &t, &res);
    if (res.log_dir)
        hpo_trial_set_attr(trial, "log_dir", res.log_dir);
    if (rc < 0 && rc != HPO_EPRUNED && res.error)
        hpo_trial_set_attr(trial, "error", res.error);
    if (rc == 0)
        *value = res.value;
    else if (res.error)
        hpo__err(rc, "%s", res.error); /* set_attr may have replaced the message */
done:
    hpo__cmd_result_free(&res);
    hpo_free(json);
    hpo__free(names);
    hpo__free(values);
    return rc;
}
