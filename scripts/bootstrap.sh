#!/usr/bin/env bash
# Install whatever the project needs and is missing: OS packages (apt-get),
# Python packages (.venv, pinned in requirements.txt), npm assets (package-lock.json),
# then compile the translation catalogues. Each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state

OS_PACKAGES=(
  postgresql-15 postgresql-15-postgis-3 gdal-bin libgdal32 libgeos-c1v5 libproj25
  gettext chromium nodejs npm
)

missing=()
for pkg in "${OS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# nodejs/npm may come from elsewhere than Debian: a working binary is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for pkg in "${missing[@]}"; do [[ $pkg == nodejs || $pkg == npm ]] || filtered+=("$pkg"); done
  missing=("${filtered[@]}")
fi
if command -v pg_ctl >/dev/null || [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
  filtered=()
  for pkg in "${missing[@]}"; do [[ $pkg == postgresql-15 ]] || filtered+=("$pkg"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "bootstrap: installing OS packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages, pinned.
req_hash=$(sha256sum requirements.txt | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .state/requirements.hash 2>/dev/null)" != "$req_hash" ]; then
  echo "bootstrap: installing Python packages into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/pip install -q -r requirements.txt 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import django, rest_framework_gis, folium, playwright" 
  echo "$req_hash" > .state/requirements.hash
fi

# Front-end assets, from the committed lock.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -d node_modules ] || [ "$(cat .state/npm.hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "bootstrap: installing npm assets"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > .state/npm.hash
fi

# Translation catalogues (.po are committed, .mo are built).
if command -v msgfmt >/dev/null; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules
fi
