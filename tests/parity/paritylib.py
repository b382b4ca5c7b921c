"""Shared helpers of the parity tests: a pass/fail tally and the sampler tool."""
import json
import os
import subprocess
import tempfile

SAMPLER_TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-sampler_dump")


class Tally:
    """Counts checks; `summary()` prints the closing line ctest reads."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def run_sampler_tool(space, *args):
    """Proposals of hpo's sampler for a space (hpo's canonical JSON), one dict each."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(space, f)
        path = f.name
    try:
        r = subprocess.run([SAMPLER_TOOL, path, *args], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise RuntimeError(f"tool failed ({r.returncode}): {r.stderr.strip()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
