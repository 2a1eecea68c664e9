#!/usr/bin/env bash
# A third party's view: install e2e-profile into a fresh prefix, build the
# example plugin and its unit test out of tree with nothing but the installed
# headers, test kit and pkg-config files, run that test, install the plugin
# into the published pluginsdir, and check that the installed CLI lists it.
# usage: out_of_tree_test.sh SOURCE_ROOT
set -eu
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

meson setup --prefix="$prefix" -Dtests=false "$work/host-build" "$src" >"$work/log" 2>&1 ||
	{ cat "$work/log"; exit 1; }
meson install -C "$work/host-build" >>"$work/log" 2>&1 || { cat "$work/log"; exit 1; }

pc=$(dirname "$(find "$prefix" -name e2e-profile-plugin.pc | head -n 1)")
[ -n "$pc" ] || { echo "FAIL: e2e-profile-plugin.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH=$pc
pluginsdir=$(pkg-config --variable=pluginsdir e2e-profile-plugin)
case $pluginsdir in "$prefix"/*) ;; *) echo "FAIL: pluginsdir $pluginsdir outside $prefix"; exit 1 ;; esac

# Copy the example so nothing of the source tree is reachable from it.
cp -r "$src/examples/stack-depth" "$work/example"
cp "$src/tests/pprof/data/heap.pb.gz" "$work/heap.pb.gz"
meson setup -Dtests=enabled -Dprofile="$work/heap.pb.gz" "$work/example-build" "$work/example" \
	>>"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
grep -q -- '-I\?.*'"$src" "$work/example-build/build.ninja" &&
	{ echo "FAIL: the example's build reaches into the source tree $src"; exit 1; }
meson test -C "$work/example-build" --print-errorlogs >"$work/example-test.log" 2>&1 ||
	{ cat "$work/log" "$work/example-test.log"; echo "FAIL: the example's unit test failed"; exit 1; }
grep -qE '^Ok: +1 *$' "$work/example-test.log" ||
	{ cat "$work/example-test.log"; echo "FAIL: the example's unit test did not run"; exit 1; }
meson install -C "$work/example-build" >>"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
[ -f "$pluginsdir/stack-depth.so" ] || { echo "FAIL: stack-depth.so not in $pluginsdir"; exit 1; }

out=$("$prefix/bin/e2e-profile" plugins)
echo "$out"
echo "$out" | grep -qE "^analyzer +stack-depth +0\.1\.0 +$pluginsdir/stack-depth\.so +example: " ||
	{ echo "FAIL: installed CLI does not list the example"; exit 1; }
"$prefix/bin/e2e-profile" help config | grep -qF '[analyzer.stack-depth]' ||
	{ echo "FAIL: help config lacks the example's section"; exit 1; }
[ -f "$prefix/share/man/man1/e2e-profile.1" ] || { echo "FAIL: man page not installed"; exit 1; }
docdir=$(pkg-config --variable=docdir e2e-profile-plugin)
for doc in report-ids.md run-json.md report-json.md pprof-semantics.md architecture.md; do
	[ -f "$docdir/$doc" ] || { echo "FAIL: $doc not installed in the published docdir $docdir"; exit 1; }
done
echo "1 passed, 0 failed"
