#!/usr/bin/env bash
# make_fixtures.sh BUILD_DIR -- regenerate the fixed studies behind the golden
# plots: run two real studies, export them as JSON into tests/golden/. Run by
# hand when the export format changes (then regenerate the expected plots with
# HPO_GOLDEN_UPDATE=1 ctest -R golden). The committed JSON files are the
# fixtures; the tests never run a study.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
hpo=$(cd "${1:?usage: make_fixtures.sh BUILD_DIR}" && pwd)/hpo
work=$(mktemp -d /tmp/hpo-golden.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$src"
# numpy for examples/train_digits.py comes from Debian's python3
export PATH=/usr/bin:$PATH
"$hpo" tune tests/golden/fixture-hyperband.yaml --storage "sqlite:///$work/g.db" \
  --progress none -q
"$hpo" export golden-hyperband --storage "sqlite:///$work/g.db" --format json \
  -o "$here/golden-hyperband.json"
"$hpo" tune examples/svc-digits-bo.yaml --storage "sqlite:///$work/g.db" --progress none -q
"$hpo" export svc-digits-bo --storage "sqlite:///$work/g.db" --format json \
  -o "$here/svc-digits-bo.json"
rm -rf runs/golden-hyperband
echo "fixtures written to $here"
