#!/usr/bin/env bash
# Install the development dependencies into .venv and run the whole test suite.
#
#   bash scripts/test.sh                 # everything (the PostgreSQL, Dask and slow tests too)
#   bash scripts/test.sh -m "not slow"   # arguments go to pytest
#
# Needs Python 3.11+ and a PostgreSQL server on 127.0.0.1:5432 (started here if it is
# installed but stopped), and Debian's chromium for the browser tests (installed here with
# apt-get when missing). Tests that need PostgreSQL fail loudly rather than skip.
# Tests run in a random order (pytest-randomly; the seed is printed first), and
# tests/test_habits.py type-checks src/ with mypy.
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv

# -- Python and the virtual environment ------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "error: $PYTHON not found; install Python 3.11 or newer (apt-get install python3 python3-venv)" >&2
        exit 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "error: Headwater needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)" >&2
        echo "       set PYTHON=/path/to/python3.11 and run again" >&2
        exit 1
    fi
    echo "==> creating $VENV with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi
echo "==> installing headwater[dev] into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'

# -- PostgreSQL --------------------------------------------------------------------------
PG_HOST=127.0.0.1
PG_PORT=5432

as_postgres() {
    # pg_ctlcluster refuses to run as root on some systems; run it as the postgres user then.
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        "$@" || su postgres -s /bin/sh -c "$*"
    else
        "$@"
    fi
}

if ! command -v pg_isready >/dev/null 2>&1; then
    echo "error: PostgreSQL is not installed; the PostgreSQL tests need a server on $PG_HOST:$PG_PORT." >&2
    echo "       install it with:  apt-get install -y postgresql" >&2
    exit 1
fi
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; then
        version="$(ls /etc/postgresql | sort -V | tail -1)"
        echo "==> starting PostgreSQL $version"
        as_postgres pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    else
        echo "error: PostgreSQL is not running on $PG_HOST:$PG_PORT and no cluster was found to start." >&2
        echo "       install it with:  apt-get install -y postgresql" >&2
        exit 1
    fi
    for _ in $(seq 1 30); do
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
        sleep 1
    done
    if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        echo "error: PostgreSQL did not come up on $PG_HOST:$PG_PORT within 30 s" >&2
        exit 1
    fi
fi
if [ -z "$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" ]; then
    echo "==> creating database test"
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE test"
fi

# -- Chromium, for the browser tests (Playwright drives Debian's build) --------------------
if ! command -v chromium >/dev/null 2>&1; then
    echo "==> installing Debian's chromium (the web UI's browser tests drive it)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    else
        sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    fi
fi

# -- checks ------------------------------------------------------------------------------
echo "==> lint-imports (the layers of DESIGN.md)"
"$VENV/bin/lint-imports"

echo "==> pytest $*"
exec "$VENV/bin/pytest" "$@"
