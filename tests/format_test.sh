#!/usr/bin/env bash
# The code follows the committed .clang-format; this fails on any drift.
# usage: format_test.sh SOURCE_ROOT
set -u
cd "$1" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else
	mapfile -t files < <(find core include plugins tests examples bench -name '*.[ch]' 2>/dev/null)
fi
failed=0
for file in "${files[@]}"; do
	[ -f "$file" ] || continue
	if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
		echo "not formatted: $file (run: clang-format -i $file)"
		failed=$((failed + 1))
	fi
done
echo "$((${#files[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
