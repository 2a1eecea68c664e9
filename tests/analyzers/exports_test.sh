#!/usr/bin/env bash
# Checks that each plugin given exports exactly one symbol, ep_plugin_entry.
# usage: exports_test.sh NM PLUGIN.so...
set -u
nm=$1
shift
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
