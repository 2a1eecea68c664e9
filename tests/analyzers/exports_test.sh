#!/usr/bin/env bash
# Checks that each plugin given exports exactly one symbol, ep_plugin_entry.
# usage: exports_test.sh NM MIN PLUGIN.so...   (NM empty: not installed;
# fewer than MIN plugins means the caller's list went wrong)
set -u
nm=$1
min=$2
shift 2
if [ -z "$nm" ]; then
	echo "skip: nm is not installed (binutils, from build-essential)"
	exit 77
fi
[ $# -ge "$min" ] || { echo "only $# plugins given, expected at least $min"; exit 1; }
failed=0
for plugin in "$@"; do
	exported=$("$nm" -D --defined-only "$plugin" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }')
	if [ "$exported" != "ep_plugin_entry" ]; then
		echo "$plugin exports: $(echo $exported)"
		failed=1
	else
		echo "$plugin: ok"
	fi
done
exit "$failed"
