#!/usr/bin/env bash
# Create .venv with the pinned toolchain (requirements.lock) and the
# project's Python package. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "error: Python 3.11 is required (found $("$PYTHON" --version))" >&2; exit 1; }

stamp=.venv/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ]; then
  echo "==> .venv is up to date"
  exit 0
fi

echo "==> creating .venv with $("$PYTHON" --version)"
[ -d .venv ] || "$PYTHON" -m venv .venv
# uv installs the locked set in seconds; plain pip is the fallback.
if .venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null; then
  .venv/bin/python -m uv pip install --quiet --python .venv/bin/python -r requirements.lock
  .venv/bin/python -m uv pip install --quiet --python .venv/bin/python --no-deps -e .
else
  .venv/bin/python -m pip install --quiet -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
fi
rm -f .venv/.installed-*
touch "$stamp"
echo "==> installed: $(.venv/bin/dbt --version 2>/dev/null | grep -m1 installed | xargs)"
