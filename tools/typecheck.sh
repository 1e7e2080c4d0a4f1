#!/usr/bin/env bash
# Type-check the `saferkit` package as it is imported. The package folders sit at the top of
# the checkout and are mapped to `saferkit.<folder>` by setup.py, which a type checker cannot
# follow, so this links them into one `saferkit/` tree under build/ and checks that.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=build/typecheck/saferkit
rm -rf build/typecheck
mkdir -p "$tree"
for file in saferkit/*.py; do ln -s "../../../$file" "$tree/"; done
for init in */__init__.py; do
  folder=${init%/__init__.py}
  [ "$folder" = saferkit ] || ln -s "../../../$folder" "$tree/$folder"
done
exec "${PYTHON:-.venv/bin/python}" -m mypy "$tree" "$@"
