#!/usr/bin/env bash
# The code follows the committed .clang-format; this fails on any drift.
# usage: format_test.sh SOURCE_ROOT CLANG_FORMAT (empty: not installed)
set -u
cd "$1" || exit 1
clang_format=${2:-}
if [ -z "$clang_format" ]; then
	echo "skip: clang-format is not installed (scripts/install-deps.sh installs it)"
	exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else
	mapfile -t files < <(find core include plugins tests examples bench -name '*.[ch]' 2>/dev/null)
fi
failed=0
for file in "${files[@]}"; do
	[ -f "$file" ] || continue
	if ! "$clang_format" --dry-run --Werror "$file" >/dev/null 2>&1; then
		echo "not formatted: $file (run: clang-format -i $file)"
		failed=$((failed + 1))
	fi
done
echo "$((${#files[@]} - failed)) passed, $failed failed"
[ "${#files[@]}" -ge 90 ] || { echo "only ${#files[@]} files checked, expected at least 90"; exit 1; }
[ "$failed" -eq 0 ]
