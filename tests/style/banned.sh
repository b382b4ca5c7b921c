#!/usr/bin/env bash
# Library code (src/ except src/cli/) must not print, exit, abort, or use banned
# unsafe functions (docs/architecture.md, "Rules").
set -u
root=${1:?source root}
cd "$root/src" || exit 1
pat='\b(printf|puts|putchar|exit|abort|atoi|atol|atof|strtok|sprintf|vsprintf|strcpy|strcat|gets|rand|srand|random)[[:space:]]*\('
hits=$(grep -rnE "$pat" --include='*.c' --include='*.h' . | grep -v '^./cli/' | grep -vE '^[^:]+:[0-9]+:\s*(\*|//|/\*)' | grep -v 'banned-ok' || true)
# A line marked banned-ok (with its reason in a comment beside it) is exempt:
# util/librand.c seeds libc's rand() (liblinear, libsvm shuffle with it) under a lock.
# fprintf to a FILE* the caller passed in is allowed (exports); fprintf(stderr is not.
hits2=$(grep -rnE '\b(fprintf|fputs)[[:space:]]*\([[:space:]]*(stderr|stdout)' --include='*.c' . | grep -v '^./cli/' || true)
if [ -n "$hits$hits2" ]; then
  echo "banned calls in library code:"; echo "$hits"; echo "$hits2"; exit 1
fi
echo "1 passed, 0 failed"
