#!/usr/bin/env bash
# Debian packages the tests need, installed once before pytest starts so
# that parallel test workers never race for apt's lock: PostgreSQL and
# pgaudit (private server), Chromium (docs site, Superset), poppler and
# pango (reports), Java 17 (Spark). Each test still checks for what it
# needs and fails under CI=true when it is missing.
set -euo pipefail
pg_major=15
pkgs=(postgresql "postgresql-$pg_major-pgaudit" chromium poppler-utils
      openjdk-17-jre-headless libpango-1.0-0 libpangoft2-1.0-0
      libharfbuzz-subset0 fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "==> system packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "==> not root or no apt-get: the tests will report what is missing (${missing[*]})"
  exit 0
fi
echo "==> apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
