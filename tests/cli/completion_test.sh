#!/usr/bin/env bash
# bash completion: commands, per-command flags, and run names found under
# the output directory.
# usage: completion_test.sh COMPLETION_FILE
set -u
# shellcheck disable=SC1090
source "$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs/baseline" "$work/runs/with-caching" "$work/runs/not-a-run" "$work/runs/seed"
touch "$work/runs/baseline/run.json" "$work/runs/with-caching/run.json" "$work/runs/seed/heap0.pprof"
passed=0
failed=0
complete_line() { # WORDS...: the last word is the one being completed
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_e2e_profile
	printf '%s\n' "${COMPREPLY[@]}"
}
expect() { # NAME WANT WORDS...
	local name=$1 want=$2
	shift 2
	if complete_line "$@" | grep -qxF -- "$want"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name: '$want' not offered for '$*': $(complete_line "$@" | tr '\n' ' ')"
	fi
}
refuse() { # NAME UNWANTED WORDS...
	local name=$1 unwanted=$2
	shift 2
	if complete_line "$@" | grep -qxF -- "$unwanted"; then
		failed=$((failed + 1))
		echo "FAIL: $name: '$unwanted' offered for '$*'"
	else
		passed=$((passed + 1))
	fi
}
expect "commands" compare e2e-profile ""
expect "commands by prefix" collect e2e-profile co
expect "global flag" --output-dir e2e-profile --out
expect "run flag" --profiles e2e-profile run --pro
expect "collect flag" --duration e2e-profile collect x --dur
refuse "collect has no --target" --target e2e-profile collect x --tar
expect "collector names" http e2e-profile run x --collector ""
expect "the apiserver collector" apiserver e2e-profile run x --collector ap
expect "run --context" --context e2e-profile run x --cont
expect "collect --kubeconfig" --kubeconfig e2e-profile collect x --kubec
expect "top flag" --cum e2e-profile top --c
expect "help topics" config e2e-profile help ""
expect "compare flag" --fail-on e2e-profile compare --fail
expect "analyze flag" --reporters e2e-profile analyze --rep
expect "compare selection flag" --analyzers e2e-profile compare --ana
expect "run selection flag" --reporters e2e-profile run x --rep
expect "reporter lists" markdown,csv,json,prometheus e2e-profile analyze --reporters ""
expect "run names" baseline e2e-profile -o "$work/runs" analyze ""
E2E_PROFILE_DIR="$work/runs" expect "run names from E2E_PROFILE_DIR" with-caching e2e-profile compare baseline ""
refuse "directories without run.json or snapshots" not-a-run e2e-profile -o "$work/runs" analyze ""
expect "directories the earlier tools left" seed e2e-profile -o "$work/runs" analyze ""
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
