#!/usr/bin/env bash
# After `meson test`: lists the tests meson reported as skipped (exit 77)
# with the reason each printed, and fails on CI (CI=true), where
# install-deps.sh has installed everything and a skip means a check that
# silently did not run.
# usage: scripts/check-skips.sh BUILD_DIR
set -eu
log=$1/meson-logs/testlog.json
[ -f "$log" ] || { echo "check-skips: $log not found: run meson test first"; exit 1; }
python3 - "$log" "${CI:-}" <<'PY'
import json, sys
skipped = []
for line in open(sys.argv[1]):
    result = json.loads(line)
    if result.get("result") == "SKIP":
        why = [l for l in result.get("stdout", "").splitlines() if l.startswith("skip:")]
        skipped.append((result["name"], why[-1] if why else "no reason printed"))
for name, why in skipped:
    print("check-skips: SKIPPED %s: %s" % (name, why))
if skipped and sys.argv[2] in ("true", "1", "yes"):
    print("check-skips: %d test(s) skipped on CI, where every dependency is installed"
          % len(skipped))
    sys.exit(1)
print("check-skips: %d skipped" % len(skipped))
PY
