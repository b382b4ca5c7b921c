/*
 * err.c -- error codes and the per-thread detail message behind hpo_errmsg().
 * The message lives in a fixed thread-local buffer, so reporting an error never
 * allocates (and so works while reporting HPO_ENOMEM). Messages are one line
 * (control characters become '?'), except HPO_EMISMATCH's diff and
 * HPO_EOBJECTIVE's stderr lines.
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

#define HPO__ERRMSG_SIZE 4096
static _Thread_local char errmsg[HPO__ERRMSG_SIZE];

const char *hpo_strerror(int code)
{
    switch (code) {
#define HPO__ERR_CASE(name, num, desc)                                                             \
    case (num):                                                                                    \
        return desc;
        HPO_ERRNO_MAP(HPO__ERR_CASE)
#undef HPO__ERR_CASE
    default:
        return "unknown error";
    }
}

const char *hpo_errmsg(void)
{
    return errmsg;
}

const char *hpo_version(void)
{
    return HPO_VERSION_STRING;
}

int hpo__verr(int code, const char *fmt, va_list ap)
{
    /* Through a copy: the arguments may include hpo_errmsg() itself. */
    char tmp[HPO__ERRMSG_SIZE];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    /* One line, whatever the input quoted in it (a name read from a file may
     * hold a newline); a study mismatch is a multi-line diff and an objective
     * failure ends with the command's last stderr lines, as they were. */
    if (code != HPO_EMISMATCH && code != HPO_EOBJECTIVE)
        hpo__one_line(tmp);
    memcpy(errmsg, tmp, sizeof errmsg);
    return code;
}

int hpo__err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hpo__verr(code, fmt, ap);
    va_end(ap);
    return code;
}

int hpo__enomem(void)
{
    return hpo__err(HPO_ENOMEM, "out of memory");
}

void hpo__err_clear(void)
{
    errmsg[0] = '\0';
}

void hpo__err_prefix(const char *fmt, ...)
{
    char old[HPO__ERRMSG_SIZE];
    memcpy(old, errmsg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    hpo__one_line(errmsg); /* the prefix only: `old` keeps its lines */
    if (n >= 0 && (size_t)n < sizeof errmsg)
        snprintf(errmsg + n, sizeof errmsg - (size_t)n, "%s%s", old[0] ? ": " : "", old);
}
