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

# ---- the pprof server ------------------------------------------------------
server_log=$work/server.out
python3 "$here/pprof_server.py" "$data_dir" >"$server_log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$server_log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "pprof_server.py did not start: $(cat "$server_log")"; exit 1; }
url=http://127.0.0.1:$port
unset EP_TEST_MARKER

# ---- 4. configuration checked before anything exists -----------------------
# Each: exit 2, one line naming where and which key, and no output directory.
bad_config() { # NAME EXPECTED_TEXT INI_TEXT [FLAGS...]
	local name=$1 text=$2 ini=$3
	shift 3
	printf '%b' "$ini" >bad.ini
	rm -rf runs
	ep -c bad.ini -o runs run "$name" --collector http --url "$url" -i 1 "$@" -- true
	check "$name: exit 2" is "$status" 2
	check "$name: named" err_has "$text"
	check "$name: one line" err_lines 1
	check "$name: nothing left on disk" absent runs
}
bad_config bad-regex "[category.x] pattern: invalid pattern '([': missing terminating ] for character class at offset 2" \
	'[category.x]\npattern = ([\n'
bad_config zero-timeout '[collector.http] timeout: must be between 1 and 86400, not 0' \
	'[collector.http]\ntimeout = 0\n'
bad_config negative-mib 'bad.ini:2: [core] max_profile_mib: -5 is out of range (1 to 1048576)' \
	'[core]\nmax_profile_mib = -5\n'
bad_config zero-mib 'bad.ini:2: [core] max_profile_mib: 0 is out of range' \
	'[core]\nmax_profile_mib = 0\n'
bad_config zero-cpu 'bad.ini:3: [run] cpu_duration: 0 is out of range (1 to 3600)' \
	'[run]\nprofiles = heap,cpu\ncpu_duration = 0\n'
bad_config flag-cpu '--cpu-duration: [run] cpu_duration: 0 is out of range' '' --cpu-duration 0
bad_config no-analyzer "[run] analyzers: no analyzer plugin named 'nosuch' is installed" \
	'[run]\nanalyzers = heap,nosuch\n'
bad_config half-rule '[rule.mine] needs metric, advice, and one of above, below or equals' \
	'[rule.mine]\nmetric = peak\n'
bad_config no-collector "no collector plugin named 'nosuch' is installed" '' --collector nosuch
rm -rf runs
ep -o runs run no-url --collector http -- true
check "--collector http without url: exit 2" is "$status" 2
check "--collector http without url: named" err_has "[collector.http] url is not set"
check "--collector http without url: one line" err_lines 1
check "--collector http without url: nothing left" absent runs
# An empty output_dir must not mean the filesystem root.
printf '[core]\noutput_dir =\n' >bad.ini
ep -c bad.ini run e2e-sec-$$ --collector http --url "$url" -- true
check "output_dir = (empty): exit 2" is "$status" 2
check "output_dir = (empty): named" err_has "bad.ini:2: [core] output_dir: must not be empty"
check "output_dir = (empty): one line" err_lines 1
check "output_dir = (empty): nothing at the root" absent "/e2e-sec-$$"
ep -o '' run e2e-sec-$$ --collector http --url "$url" -- true
check "-o '': exit 2" is "$status" 2
check "-o '': named" err_has "--output-dir: [core] output_dir: must not be empty"
check "-o '': nothing at the root" absent "/e2e-sec-$$"
# Control characters would split log lines.
ep -o runs run "$(printf 'two\nlines')" --collector http --url "$url" -- true
check "newline in a run name: exit 2" is "$status" 2
check "newline in a run name: named" err_has "invalid run name: it holds a control character"
check "newline in a run name: nothing left" absent runs

# ---- 2. no symlink is written through ---------------------------------------
mkdir -p runs elsewhere
echo "victim" >victim
ln -s "$work/elsewhere" runs/linked
ep -o runs run linked --force --collector http --url "$url" -i 1 -- true
check "symlinked run directory: exit 2" is "$status" 2
check "symlinked run directory: named" err_has "run directory runs/linked is a symlink; refusing to write through it"
check "symlinked run directory: its target untouched" is "$(ls -A elsewhere | wc -l)" 0

ep -o runs run planted --collector http --url "$url" -i 1 -- sh -c 'sleep 1.2'
check "planted: first run exit 0" is "$status" 0
first_count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["snapshots"]))' runs/planted/run.json)
check "planted: first run took snapshots" test "$first_count" -ge 2
mv runs/planted/collection.log runs/planted/collection.log.real
ln -s "$work/victim" runs/planted/collection.log
ep -o runs run planted --force --collector http --url "$url" -i 1 -- true
check "planted collection.log: run fails" test "$status" -ne 0
check "planted collection.log: named" err_has "collection.log: it is a symlink; refusing to write through it"
check "planted collection.log: target unchanged" is "$(cat victim)" victim
rm runs/planted/collection.log
mv runs/planted/collection.log.real runs/planted/collection.log
mv runs/planted/test.log runs/planted/test.log.real
ln -s "$work/victim" runs/planted/test.log
ep -o runs run planted --force --collector http --url "$url" -i 1 -- echo test output
check "planted test.log: run fails" test "$status" -ne 0
check "planted test.log: target unchanged" is "$(cat victim)" victim
rm runs/planted/test.log
mv runs/planted/test.log.real runs/planted/test.log
# A planted heapN.pprof symlink is replaced by the new file, never written
# through (the snapshot is renamed into place).
next=$(ls runs/planted/heap*.pprof | sed 's/.*heap\([0-9]*\)\.pprof/\1/' | sort -n | tail -n 1)
ln -s "$work/victim" "runs/planted/heap$((next + 1)).pprof"
ep -o runs run planted --force --collector http --url "$url" -i 1 -- sh -c 'sleep 1.2'
check "--force: exit 0" is "$status" 0
check "planted heapN.pprof: target unchanged" is "$(cat victim)" victim
# --force extends the manifest: every earlier entry is still listed.
python3 - "$first_count" runs/planted/run.json <<'PY' >force.txt 2>&1
import json, os, sys
first = int(sys.argv[1])
d = json.load(open(sys.argv[2]))
snaps = d["snapshots"]
assert len(snaps) >= first + 2, ("snapshots", len(snaps), first)
files = [s["file"] for s in snaps if s["ok"]]
assert len(files) == len(set(files)), "a file listed twice"
here = os.path.dirname(sys.argv[2])
# The planted symlink is left alone: skipped by the numbering, not listed.
on_disk = sorted(f for f in os.listdir(here)
                 if f.endswith(".pprof") and not os.path.islink(os.path.join(here, f)))
assert sorted(files) == on_disk, (files, on_disk)
rounds = [s["round"] for s in snaps]
assert rounds == sorted(rounds), rounds
offsets = [s["offset_seconds"] for s in snaps]
assert offsets == sorted(offsets), offsets
assert d["counts"]["ok"] == len(files)
print("ok", len(snaps))
PY
check "--force keeps every earlier entry: $(tail -n 1 force.txt)" grep -q '^ok ' force.txt

# ---- 3. secrets a server echoes never reach a file or the terminal ---------
token=s3cr3t-token-$$-$RANDOM
printf '%s\n' "$token" >token.txt
printf '[collector.http]\nbearer_token_file = %s\n' "$work/token.txt" >secret.ini
ep -c secret.ini -o runs run secret --collector http --url "$url/auth" -i 1 -- sh -c 'sleep 1.2'
check "echoed token: the run reports the 401" err_has "HTTP 401"
check "echoed token: redacted on stderr" err_has "Authorization: [redacted]"
leaks=$(grep -rlF -- "$token" err runs/secret 2>/dev/null)
check "echoed token: in no log, manifest or report${leaks:+ (found in $leaks)}" is "$leaks" ""
check "echoed token: run.json says redacted" grep -qF "[redacted]" runs/secret/run.json

# An error status whose body is a valid profile is not a snapshot.
ep -o runs run error-status --collector http --url "$url/error" -i 1 -- true
check "HTTP 500 with a profile body: no snapshot saved" absent runs/error-status/heap0.pprof
check "HTTP 500 with a profile body: the reason" grep -q "HTTP 500" runs/error-status/run.json

# ---- 5. a full disk leaves a true final state ------------------------------
# A small tmpfs filled but for a few pages; else the shim fails fsync with
# ENOSPC after a few writes. Either way: exit 1, a summary that does not
# claim run.json was written, and run.failed explaining the manifest.
mkdir full
disk_env=()
if mount -t tmpfs -o size=1m tmpfs full 2>/dev/null; then
	mounted=full
	mkdir full/runs
	dd if=/dev/zero of=full/filler bs=4k 2>/dev/null
	# Room for the marker's reservation, collection.log, run.json and its
	# temporary copy, and one snapshot: the next manifest write fails.
	truncate -s -16k full/filler
	disk_how=tmpfs
else
	mkdir full/runs
	disk_env=(LD_PRELOAD="$enospc_shim" EP_ENOSPC_AFTER=3
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
	disk_how="fsync shim (tmpfs cannot be mounted here)"
fi
env "${disk_env[@]}" "$exe" -o full/runs run full --collector http --url "$url" -i 1 \
	-- sh -c 'sleep 2.5' >out 2>err
status=$?
[ -n "${mounted:-}" ] && cp -r full/runs/full full-copy && umount full && rm -rf full && mkdir -p full/runs && mv full-copy full/runs/full
d=full/runs/full
check "disk full ($disk_how): exit 1" is "$status" 1
check "disk full: the error is named" err_has "No space left on device"
check "disk full: summary does not claim run.json written" bash -c "! tail -n 1 err | grep -q 'run.json written'"
check "disk full: summary says run.json was not updated" bash -c "tail -n 1 err | grep -q 'run.json NOT updated (No space left on device)'"
check "disk full: no 'is the target up?' hint" bash -c "! grep -q 'is the target up' err"
check "disk full: run.failed explains" grep -q "run.json could not be updated: No space left on device" $d/run.failed
check "disk full: the last good run.json is valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" $d/run.json
listed=$(python3 -c 'import json,sys; print(sum(1 for s in json.load(open(sys.argv[1]))["snapshots"]))' $d/run.json)
check "disk full: run.failed gives the count run.json lists ($listed)" grep -q "it lists $listed of the" $d/run.failed
check "disk full: no reservation left behind" absent $d/.run.failed.reserve
python3 - $d <<'PY' >unlisted.txt 2>&1
import json, os, sys
d = sys.argv[1]
listed = {s["file"] for s in json.load(open(d + "/run.json"))["snapshots"] if s["ok"]}
marker = open(d + "/run.failed").read()
for f in sorted(os.listdir(d)):
    if f.endswith(".pprof") and f not in listed:
        assert "not listed: " + f in marker, (f, marker)
print("ok")
PY
check "disk full: every profile on disk is listed in run.json or named in run.failed" grep -q '^ok$' unlisted.txt

# ---- 8. one prefix on every error line, specific texts, 1 vs 2 -------------
every_line_prefixed() { ! grep -qv '^e2e-profile: ' err || { echo "  unprefixed: $(grep -v '^e2e-profile: ' err | head -n 1)"; return 1; }; }
for args in "run -x" "run --bogus" "run --url" "--bogus" "-Z" "top --sample-index" \
	"compare --nope" "collect x --target y" "frobnicate"; do
	# shellcheck disable=SC2086
	ep $args
	check "'$args': exit 2" is "$status" 2
	check "'$args': every line prefixed" every_line_prefixed
	check "'$args': one line" err_lines 1
done
ep run -x
check "run -x: names the option" err_has "e2e-profile: error: run: unknown option '-x'; try 'e2e-profile run --help'"
ep run --url
check "run --url: needs a value" err_has "run: option '--url' needs a value"
printf '\v\f' >blank.pb
ep top blank.pb
check "two blank control bytes: exit 1" is "$status" 1
check "two blank control bytes: shown" err_has "looks like blank text (2 bytes, no visible character): '\x0b\x0c'"
python3 - "$data_dir" <<'PY'
import gzip, sys
# An empty but valid profile: string_table[0] = "" and a period, nothing else.
open("empty.pb.gz", "wb").write(gzip.compress(bytes([0x32, 0x00, 0x60, 0x01])))
PY
ep top empty.pb.gz
check "empty profile: exit 1 (bad data)" is "$status" 1
check "empty profile: names the file" err_has "empty.pb.gz: the profile has no sample types"
mkdir -p future
printf '{"schema":"e2e-profile/run","schema_version":99,"snapshots":[]}' >future/run.json
ep analyze ./future
check "schema 99: exit 1" is "$status" 1
check "schema 99: written by a newer version" err_has "future/run.json: written by a newer version of e2e-profile (run manifest schema version 99; this one reads version 1)"

# ---- 10. batch: no stale comparison; a regression is exit 3 ---------------
cat >batch.ini <<EOF2
[run.ba]
collector = http
url = $url
interval = 1
command = true
[run.bb]
collector = http
url = $url
interval = 1
command = true
[compare.ab]
a = ba
b = bb
fail_on = peak>-50%
EOF2
ep -o runs batch batch.ini
check "batch regression: exit 3" is "$status" 3
check "batch regression: summary" grep -qE "^compare +ab +regression +3$" out
ep -o runs batch batch.ini
check "batch again: exit 1 (its runs failed)" is "$status" 1
check "batch again: the comparison is skipped" grep -qE "^compare +ab +skipped +1$" out
check "batch again: says why" err_has "batch: compare ab skipped: run ba failed in this batch"

# ---- 9. impossible values and wrong kinds --------------------------------
ep -o runs run swapped --collector http --url "$url/swap" -i 1 -- true
check "a goroutine profile as heap: no snapshot counted" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['counts']['ok'] == 0 and d['counts']['failed'] >= 2" runs/swapped/run.json
check "a goroutine profile as heap: the reason" grep -q "not a heap profile: it lacks the inuse_space sample type (its first is goroutine)" runs/swapped/run.json
check "a goroutine profile as heap: not saved" absent runs/swapped/heap0.pprof
ep -o runs run emptyprof --collector http --url "$url/empty" -i 1 -- true
check "a profile without sample types: a failed snapshot" grep -q "the heap profile has no sample types" runs/emptyprof/run.json
check "a profile without sample types: not saved" absent runs/emptyprof/heap0.pprof
# A heap near 2^62 bytes, and one with a negative in-use value: analyzed,
# each named in a warning of the report.
cp -r runs/ba runs/implausible
python3 - runs/implausible <<'PY'
import gzip, sys
def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload
def profile(values):
    strings = b"".join(field(6, s) for s in (b"", b"inuse_space", b"bytes"))
    sample_type = field(1, varint(1 << 3) + varint(1) + varint(2 << 3) + varint(2))
    samples = b"".join(field(2, field(2, varint(v))) for v in values)
    return gzip.compress(sample_type + samples + strings)
open(sys.argv[1] + "/heap1.pprof", "wb").write(profile([1 << 61, 1 << 61]))
open(sys.argv[1] + "/heap0.pprof", "wb").write(profile([4096, -5]))
PY
ep analyze runs/implausible
check "implausible heap: analyzed" is "$status" 0
check "implausible heap: warning names the snapshot" grep -q "Warning: snapshot heap1.pprof has an in-use total of .*beyond 1 PiB" runs/implausible/analysis.md
check "negative in-use: warning names the snapshot" grep -q "Warning: snapshot heap0.pprof has negative in-use values" runs/implausible/analysis.md

# A comparison's fail_on typo is found before the first run.
cat >typo.ini <<EOF2
[run.bt]
collector = http
url = $url
command = true
[compare.t]
a = bt
b = bt
fail_on = peak>>
EOF2
ep -o runs batch typo.ini
check "batch fail_on typo: exit 2" is "$status" 2
check "batch fail_on typo: named" err_has "typo.ini: [compare.t] fail_on: --fail-on 'peak>>'"
check "batch fail_on typo: no run made" absent runs/bt

# analyze and compare check the analysis settings first too.
printf '[category.x]\npattern = ([\n' >bad.ini
ep -c bad.ini -o runs analyze ba
check "analyze with a bad regex: exit 2" is "$status" 2
check "analyze with a bad regex: one line" err_lines 1
ep -c bad.ini -o runs compare ba bb
check "compare with a bad regex: exit 2" is "$status" 2
check "compare with a bad regex: named" err_has "[category.x] pattern: invalid pattern '(['"

echo "$passed passed, $failed failed"
# The count guards against a case silently dropping out.
[ "$passed" -ge 145 ] || { echo "only $passed checks ran"; exit 1; }
[ "$failed" -eq 0 ]
