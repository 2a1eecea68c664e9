#!/usr/bin/env bash
# Nothing in the repository cites a document outside it: the facts the code
# relies on live in docs/, and comments cite those. Fails on a citation of
# the team's private notes (GUIDE/SEED/STYLE) or of a path above the tree.
# usage: self_contained_docs_test.sh SOURCE_ROOT
set -u
root=$1
cd "$root" || exit 1
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "SKIP: $root is not a git checkout; cannot list tracked files"
	exit 77
fi
mapfile -t files < <(git ls-files | grep -v '^tests/cli/self_contained_docs_test.sh$')
if [ "${#files[@]}" -lt 100 ]; then
	echo "FAIL: only ${#files[@]} tracked files found; expected the whole tree"
	exit 1
fi
hits=$(grep -nIE 'GUIDE( §|\.md| section)|SEED\.md|STYLE\.md|\.\./shared/' -- "${files[@]}" || true)
if [ -n "$hits" ]; then
	echo "FAIL: citations of documents outside the repository:"
	echo "$hits"
	exit 1
fi
# Every docs/*.md a comment cites must exist.
missing=0
while IFS= read -r doc; do
	[ -f "$doc" ] || { echo "FAIL: cited but missing: $doc"; missing=1; }
done < <(grep -ohIE 'docs/[a-z0-9-]+\.md' -- "${files[@]}" | sort -u)
[ "$missing" -eq 0 ] || exit 1
echo "checked ${#files[@]} files: no outside citations"
