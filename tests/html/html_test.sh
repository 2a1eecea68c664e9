#!/usr/bin/env bash
# The HTML report and the flame graph SVGs in a real browser: `analyze` and
# `compare` the runs of tests/analysis/data, then check_html.py drives
# headless Chromium (Debian's chromium, scripts/install-deps.sh) over the
# DevTools protocol. Skipped (exit 77) only when chromium is missing.
# usage: html_test.sh E2E_PROFILE_EXE SOURCE_ROOT SCREENSHOT_DIR
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT SCREENSHOT_DIR}")
src=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT SCREENSHOT_DIR}")
shots=${3:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT SCREENSHOT_DIR}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's chromium);" \
		"the HTML report was not tested in a browser"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH
cd "$work" || exit 1
mkdir -p out "$shots"
cp -R "$src/tests/analysis/data/baseline" "$src/tests/analysis/data/with-caching" out/ || exit 1
for args in "analyze baseline" "analyze with-caching" "compare baseline with-caching"; do
	# shellcheck disable=SC2086
	if ! "$exe" -q -o out $args >stdout 2>err; then
		echo "FAIL: e2e-profile $args"
		sed 's/^/  stderr: /' err | head -n 15
		exit 1
	fi
done
timeout 240 python3 "$src/tests/html/check_html.py" "$chromium" "$work/out" "$(realpath "$shots")"
