# Shared set-up for scripts/test and scripts/run-example (sourced, not run).
# Creates .venv next to the repository, installs libmagic when the OS lacks it,
# and installs the package (with the extras given in $IA_EXTRAS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

have_libmagic() {
    # The same lookup python-magic makes at import time.
    "${PYTHON:-python3}" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("magic"))'
}

if ! have_libmagic; then
    echo "libmagic is missing: installing libmagic1 with apt-get" >&2
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libmagic1 >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPY="$ROOT/.venv/bin/python"
stamp=".venv/.installed-$(cat setup.cfg setup.py pyproject.toml | sha256sum | cut -c1-16)${IA_EXTRAS:-}"
if [ ! -f "$stamp" ]; then
    "$VPY" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    "$VPY" -m pip install -q --disable-pip-version-check -e ".${IA_EXTRAS:-}"
    touch "$stamp"
fi
