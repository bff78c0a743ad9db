# Shared set-up for scripts/test and scripts/run-example (sourced, not run).
# Creates .venv next to the repository (or the directory $IA_VENV names, e.g. one per Python
# in .ci/run), installs libmagic when the OS lacks it, and installs the package (with the
# extras given in $IA_EXTRAS) with $PYTHON (default: python3).
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
VENV="$ROOT/${IA_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
stamp="$VENV/.installed-$(cat setup.cfg setup.py pyproject.toml | sha256sum | cut -c1-16)${IA_EXTRAS:-}"
if [ ! -f "$stamp" ]; then
    "$VPY" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    "$VPY" -m pip install -q --disable-pip-version-check -e ".${IA_EXTRAS:-}"
    touch "$stamp"
fi
# The secrets prefilter's Hyperscan databases, compiled once for this venv and machine (every
# scan then loads them instead of compiling them); quick when they are already there.
"$VPY" -m analyzer.secrets.hsprepare >/dev/null
# The package is installed editable (it runs from this checkout): compile its modules once, as
# pip does for an installed package, so that a process does not compile them from source on
# every start (0.15 s) where bytecode is never written (PYTHONDONTWRITEBYTECODE=1). Quick when
# they are up to date; Python ignores a stale one (it checks the mtime) until the next run.
"$VPY" -m compileall -q "$ROOT/analyzer" >/dev/null
