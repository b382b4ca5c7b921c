/*
 * cpu.c -- how many CPUs the process may use: its affinity mask (what
 * taskset/cgroups cpusets allow), else the online CPUs.
 */
#define _GNU_SOURCE
#include "util/util.h"

#include <sched.h>
#include <unistd.h>

int hpo__cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
