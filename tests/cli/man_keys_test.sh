#!/usr/bin/env bash
# The man page covers every command and every configuration key: each
# command of `--help` and each key `help config` lists (core and every
# built plugin) must appear in docs/e2e-profile.1 in bold.
# usage: man_keys_test.sh E2E_PROFILE_EXE MAN_PAGE
set -u
exe=$1
man=$2
passed=0
failed=0
while read -r command; do
	if grep -qE "^\.BI? \"?$command( |\"|$)|^\.BR $command" "$man"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: command '$command' is not described in $man"
	fi
done < <("$exe" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p')
section=
while IFS= read -r line; do
	case $line in
	\[*) section=${line%%]*}] ;;
	"  "[a-z]*" = "*)
		key=${line#  }
		key=${key%% =*}
		if grep -qF "\\fB$key\\fR" "$man"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "FAIL: key '$key' of $section is not in $man"
		fi
		;;
	esac
done < <("$exe" help config)
echo "$passed passed, $failed failed"
# --help or help config printing nothing would otherwise pass.
[ $((passed + failed)) -ge 60 ] || { echo "only $((passed + failed)) commands and keys checked, expected at least 60"; exit 1; }
[ "$failed" -eq 0 ]
