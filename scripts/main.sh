#!/usr/bin/env bash
# The main job: set up, generate the scale-1 sample lake, dbt build on
# DuckDB, and the docs site. Options are passed through to env vars:
#   SCALE (default 1), SEED (default 42), RETAIL_SAAS_LAKE (default data/lake)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DBT_PROFILES_DIR="$PWD" RETAIL_SAAS_TARGET=duckdb
export RETAIL_SAAS_LAKE="${RETAIL_SAAS_LAKE:-data/lake}"
SCALE="${SCALE:-1}" SEED="${SEED:-42}"

echo "==> generating the sample lake (scale $SCALE, seed $SEED) in $RETAIL_SAAS_LAKE"
.venv/bin/retail-saas generate --scale "$SCALE" --seed "$SEED" --out "$RETAIL_SAAS_LAKE"

echo "==> dbt build on DuckDB, published only if every test passes (retail-saas build)"
.venv/bin/retail-saas build

echo "==> dbt docs (static site: target/static_index.html)"
.venv/bin/dbt docs generate --static --quiet
echo "==> done: marts in target/retail_saas.duckdb (schema marts)," \
  "docs in target/static_index.html"
