#!/usr/bin/env python3
"""docs/run-json.md against real run.json files: every field a manifest
holds is documented, and every documented field appears in a manifest.

usage: manifest_doc_test.py DOC RUN_JSON [RUN_JSON...]
The fields of the doc are the member paths of its first ```json example
(comments after // stripped); a run.json's are its member paths, with array
elements merged ("snapshots[].kind"). Fields the doc marks optional with
`(optional)` in a comment (and the members of an optional object) need not
appear in the given manifests. Prints
each failure, then "N passed, N failed".
"""
import json
import re
import sys


def paths(value, prefix, out):
    if isinstance(value, dict):
        for key, member in value.items():
            path = f'{prefix}.{key}' if prefix else key
            out.add(path)
            paths(member, path, out)
    elif isinstance(value, list):
        for item in value:
            paths(item, prefix + '[]', out)
    return out


def doc_example(text):
    block = re.search(r'```json\n(.*?)```', text, re.S)
    if block is None:
        sys.exit('manifest_doc_test.py: no ```json example in the doc')
    lines, optional = [], set()
    for line in block.group(1).splitlines():
        code, _, comment = line.partition('//')
        lines.append(code)
        key = re.search(r'"([a-z_]+)"\s*:', code)
        if key and '(optional)' in comment:
            optional.add(key.group(1))
    return json.loads('\n'.join(lines)), optional


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        example, optional = doc_example(f.read())
    documented = paths(example, '', set())
    seen = set()
    for name in sys.argv[2:]:
        with open(name) as f:
            seen |= paths(json.load(f), '', set())
    passed = failed = 0
    for path in sorted(seen - documented):
        failed += 1
        print(f'FAIL: {path} is in run.json but not in {sys.argv[1]}')
    for path in sorted(documented - seen):
        if any(part.rstrip('[]') in optional for part in path.split('.')):
            continue
        failed += 1
        print(f'FAIL: {path} is documented but in none of the manifests checked')
    passed = len(documented & seen)
    if passed < 30:
        failed += 1
        print(f'FAIL: only {passed} fields matched; expected the whole manifest')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
