/*
 * worker.c -- worker identity and liveness.
 *
 * A worker id is "host:pid:starttime" (starttime: field 22 of /proc/<pid>/stat,
 * clock ticks since boot), so a pid reused by another process is not mistaken for
 * the worker. On the same host liveness is exact and immediate (kill(pid, 0) and
 * the start time), which is what lets `hpo tune` re-run the trials of a process
 * killed with SIGKILL the moment it is restarted. For workers on other hosts only
 * the heartbeat can tell: a trial whose heartbeat is older than the grace period
 * is taken as lost.
 */
#include "core/study.h"
#include "util/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long self_pid(void);

static int proc_starttime(long pid, unsigned long long *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may contain spaces and parentheses: skip past the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    /* After ')' come fields 3..: state is field 3, starttime field 22. */
    int field = 2;
    char *save = p;
    while (*save && field < 22) {
        while (*save == ' ')
            save++;
        field++;
        if (field == 22)
            break;
        while (*save && *save != ' ')
            save++;
    }
    if (field != 22)
        return -1;
    char *end;
    unsigned long long v = strtoull(save, &end, 10);
    if (end == save)
        return -1;
    *out = v;
    return 0;
}

static void host_name(char *buf, size_t size)
{
    if (gethostname(buf, size) != 0 || !buf[0])
        snprintf(buf, size, "localhost");
    buf[size - 1] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == ':')
            *p = '_';
}

int hpo__worker_id(char **out)
{
    char host[256];
    host_name(host, sizeof host);
    unsigned long long st = 0;
    long pid = (long)getpid();
    if (proc_starttime(pid, &st) != 0)
        st = 0;
    hpo__buf b = HPO__BUF_INIT;
    hpo__buf_printf(&b, "%s:%ld:%llu", host, pid, st);
    return hpo__buf_take(&b, out);
}

/* The pid the cached id was made for (a forked child has another). */
static long cached_pid;

static long self_pid(void)
{
    return cached_pid;
}

/* This process's own id, computed once: its trials are alive without a syscall. */
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static char self_id[320];

static void self_init(void)
{
    char *id = NULL;
    cached_pid = (long)getpid();
    if (hpo__worker_id(&id) == 0 && strlen(id) < sizeof self_id)
        memcpy(self_id, id, strlen(id) + 1);
    hpo__free(id);
}

int hpo__worker_dead(const char *worker, double heartbeat, double now, void *payload)
{
    double grace = payload ? *(const double *)payload : 60.0;
    pthread_once(&self_once, self_init);
    if (worker && self_id[0] && strcmp(worker, self_id) == 0 && (long)getpid() == self_pid())
        return 0;
    char host[256];
    host_name(host, sizeof host);
    const char *c1 = worker ? strchr(worker, ':') : NULL;
    if (!c1)
        return now - heartbeat > grace;
    size_t hl = (size_t)(c1 - worker);
    if (hl != strlen(host) || strncmp(worker, host, hl) != 0)
        return now - heartbeat > grace;
    char *end;
    long pid = strtol(c1 + 1, &end, 10);
    if (end == c1 + 1 || *end != ':' || pid <= 0)
        return now - heartbeat > grace;
    unsigned long long want = strtoull(end + 1, NULL, 10);
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 1;
    unsigned long long st;
    if (want != 0 && proc_starttime(pid, &st) == 0 && st != want)
        return 1; /* the pid now belongs to another process */
    return 0;
}
