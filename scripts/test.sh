#!/usr/bin/env bash
# Every test: the Python suite (generator, dbt builds on generated and
# fixture lakes, PostgreSQL, Spark, Superset, reports, sqlfluff, ruff).
# Set up first (the pinned .venv and the Debian packages, installed once so
# that the two pytest-xdist workers never race for apt's lock); pytest's
# summary is the last line. Test modules run whole on one worker
# (--dist loadfile), so each module's dbt build happens once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system_deps.sh
export DBT_PROFILES_DIR="$PWD"
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
