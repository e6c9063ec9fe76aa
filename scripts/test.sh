#!/usr/bin/env bash
# Every test: the Python suite (generator, dbt builds on generated and
# fixture lakes, sqlfluff). Set up first; pytest's summary is the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DBT_PROFILES_DIR="$PWD"
exec .venv/bin/python -m pytest "$@"
