#!/usr/bin/env bash
# Apache Superset on the marts (after scripts/main.sh):
#   bash scripts/bi.sh            # install .venv-bi if missing, load, serve
#   bash scripts/bi.sh load       # only (re)load dashboards and logins
# Environment:
#   RETAIL_SAAS_TARGET   duckdb (default: RETAIL_SAAS_DUCKDB_PATH, read-only)
#                        or postgres (the PG* variables)
#   RETAIL_SAAS_BI_PORT  port on 127.0.0.1 (default 8088)
#   RETAIL_SAAS_BI_HOME  metadata, secret key, passwords (default target/superset)
#   RETAIL_SAAS_BI_DEMO  1 (default): grant labelled demo logins when the
#                        entitlement store is empty; 0: never
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

venv=.venv-bi
stamp="$venv/.installed-$(sha256sum requirements-bi.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> creating $venv from requirements-bi.lock"
  [ -x "$venv/bin/python" ] || .venv/bin/uv venv -q -p .venv/bin/python "$venv"
  .venv/bin/uv pip install -q --python "$venv/bin/python" -r requirements-bi.lock
  # this project's package (the loader, metrics generator, access store)
  .venv/bin/uv pip install -q --python "$venv/bin/python" --no-deps -e .
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi

export RETAIL_SAAS_BI_HOME="${RETAIL_SAAS_BI_HOME:-$PWD/target/superset}"
export SUPERSET_CONFIG_PATH="$PWD/bi/superset_config.py"
export FLASK_APP=superset SUPERSET_LOAD_EXAMPLES=no
export RETAIL_SAAS_PROJECT_DIR="$PWD"
port="${RETAIL_SAAS_BI_PORT:-8088}"
mkdir -p "$RETAIL_SAAS_BI_HOME"

echo "==> Superset metadata in $RETAIL_SAAS_BI_HOME/superset.db; loading bi/"
demo=()
[ "${RETAIL_SAAS_BI_DEMO:-1}" = 1 ] && demo=(--demo-logins)
# one process: metadata migrations, roles, then the dashboards and logins
"$venv/bin/python" -m retail_saas.bi.load --repo "$PWD" "${demo[@]}" \
  2>"$RETAIL_SAAS_BI_HOME/load.log" || { grep -v '^WARNI\|^INFO' "$RETAIL_SAAS_BI_HOME/load.log" | tail -20 >&2; exit 1; }

[ "${1:-serve}" = load ] && exit 0
echo "==> serving http://127.0.0.1:$port/  (log in with a user above; Ctrl-C stops)"
exec "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 2 \
  --worker-class gthread --threads 4 --timeout 120 --keep-alive 30 --limit-request-line 0 \
  --limit-request-field_size 0 --error-logfile - --log-level warning \
  "superset.app:create_app()"
