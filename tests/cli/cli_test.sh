#!/usr/bin/env bash
# CLI-level story of the foundation: help for every command, honest "not
# implemented yet", plugin listing with refusals, configuration errors with
# exit 2, and the precedence of plugin directories.
# usage: cli_test.sh E2E_PROFILE_EXE TEST_PLUGIN_DIR
set -u
exe=$(realpath "$1")
plugin_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0
failed=0

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name"
		echo "  stdout: $(head -c 600 out)"
		echo "  stderr: $(head -c 600 err)"
	fi
}
run() { "$exe" "$@" >out 2>err; echo $? >status; }
status_is() { [ "$(cat status)" = "$1" ]; }
out_has() { grep -qF -- "$1" out; }
err_has() { grep -qF -- "$1" err; }
err_lines() { [ "$(wc -l <err)" -eq "$1" ]; }

run --help
check "--help exits 0" status_is 0
cp out main_help
for command in run collect analyze compare top batch plugins help version; do
	check "--help lists $command" grep -qE "^  $command " main_help
	run "$command" --help
	check "$command --help exits 0" status_is 0
	check "$command --help shows usage" out_has "usage: e2e-profile $command"
	run help "$command"
	check "help $command" out_has "usage: e2e-profile $command"
done


run
check "no command is a usage error" status_is 2
run frobnicate
check "unknown command exits 2" status_is 2
check "unknown command named" err_has "unknown command 'frobnicate'"
run --no-such-option
check "unknown global option exits 2" status_is 2

run version
check "version exits 0" status_is 0
check "version shows ABI" grep -qE '^e2e-profile [0-9.]+ \(plugin ABI 1\.1, host API 2\)$' out
run --version
check "--version" out_has "plugin ABI 1.1"

# Plugins: the good one is listed, each broken one refused on one line.
run --plugin-path "$plugin_dir" plugins
check "plugins exits 0" status_is 0
check "plugins lists good" grep -qE "^analyzer +good +1\.0\.0 +.*good\.so +test analyzer" out
check "plugins header" grep -qE "^KIND +NAME +VERSION +PATH +DESCRIPTION$" out
# Aligned: every row's PATH starts where the header's does.
check "plugins columns aligned" awk 'NR == 1 { p = index($0, "PATH") } NR > 1 && substr($0, p, 1) != "/" { bad = 1 } END { exit bad }' out
check "one line per refusal" err_lines 9
for bad in bad_abi_major bad_abi_minor bad_small_struct bad_no_name bad_no_description \
	bad_no_ops bad_no_entry zz_duplicate garbage; do
	[ $bad = garbage ] || check "$bad not listed" bash -c "! grep -q '$bad.so' out"
	check "$bad refusal names the file" err_has "plugin $plugin_dir/$bad.so refused: "
done
E2E_PROFILE_PLUGIN_PATH="$plugin_dir" run plugins
check "E2E_PROFILE_PLUGIN_PATH is searched" grep -q "good.so" out
printf '[core]\nplugin_path = %s\n' "$plugin_dir" >e2e-profile.ini
run plugins
check "plugin_path in ./e2e-profile.ini is searched" grep -q "good.so" out
rm e2e-profile.ini

# help config: core keys and the plugin's own keys, generated.
run --plugin-path "$plugin_dir" help config
check "help config exits 0" status_is 0
for key in output_dir plugin_path max_profile_mib interval profiles cpu_duration target; do
	check "help config shows $key" grep -qE "^  $key = " out
done
check "help config shows [category.NAME]" out_has "[category.NAME]"
check "help config shows plugin section" out_has "[analyzer.good]  test analyzer"
check "help config shows plugin key" out_has "  threshold = 5  (integer)"

# Configuration errors: exit 2, one line naming file, line and key.
printf '[run]\ninterval = soon\n' >bad.ini
run -c bad.ini plugins
check "malformed value exits 2" status_is 2
check "malformed value named" err_has "bad.ini:2: [run] interval: 'soon' is not a valid integer"
check "config error is one line" err_lines 1
printf '[run]\ninterval = 5\n[analyzer.good]\nthreshhold = 1\n' >bad.ini
run -c bad.ini --plugin-path "$plugin_dir" plugins
check "unknown plugin key exits 2" status_is 2
check "unknown plugin key named" err_has "bad.ini:4: [analyzer.good] unknown key 'threshhold'"
printf '[analyzer.missing]\n' >bad.ini
run -c bad.ini plugins
check "section of a missing plugin exits 2" status_is 2
check "missing plugin section named" err_has "bad.ini:1: unknown section [analyzer.missing]"
run -c does-not-exist.ini plugins
check "missing --config file exits 2" status_is 2
check "missing --config file named" err_has "does-not-exist.ini: cannot read the configuration"
printf '[run]\ninterval = 1\n' >ok.ini
E2E_PROFILE_INTERVAL=often run -c ok.ini plugins
check "bad environment value exits 2" status_is 2
check "bad environment value named" err_has "E2E_PROFILE_INTERVAL: [run] interval: 'often'"
printf '[run\n' >bad.ini
run -c bad.ini plugins
check "syntax error exits 2" status_is 2
check "syntax error named" err_has "bad.ini:1: syntax error"
# Help still works with a broken configuration.
printf '[nonsense]\n' >e2e-profile.ini
run top --help
check "help ignores a broken config" status_is 0
run plugins
check "./e2e-profile.ini is read by default" status_is 2
check "default config named" err_has "e2e-profile.ini:1: unknown section [nonsense]"
rm e2e-profile.ini

# --analyzers and --reporters name installed plugins; a wrong one is a usage
# error before anything runs or is written, naming the flag or the key.
run analyze --reporters json,nosuch somerun
check "unknown reporter exits 2" status_is 2
check "unknown reporter named with the installed ones" \
	err_has "--reporters: no reporter plugin named 'nosuch' is installed (installed: "
check "unknown reporter: one line" err_lines 1
run compare --analyzers heap,nosuch a b
check "unknown analyzer exits 2" status_is 2
check "unknown analyzer named" err_has "--analyzers: no analyzer plugin named 'nosuch'"
run -o "$work/runs" run flagged --analyzers nosuch --collector http --url http://127.0.0.1:9 -- true
check "run with an unknown analyzer exits 2" status_is 2
check "run with an unknown analyzer leaves no directory" test ! -e "$work/runs/flagged"
printf '[run]\nreporters = markdown,nosuch\n' >select.ini
run -c select.ini analyze somerun
check "unknown reporter in the INI exits 2" status_is 2
check "unknown reporter in the INI names the key" err_has "[run] reporters: no reporter plugin named 'nosuch'"

run help config
check "help config: no repeated section name" bash -c "! grep -qF '[category.NAME]  [category.NAME]' out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
