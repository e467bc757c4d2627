# Shared by scripts/run, scripts/test, scripts/lint and .ci/run: find Python 3.11,
# create the virtualenv, install pinned requirements only when they changed.
# Sourced, not run. Written for bash 3.2 too (macOS), hence no `wait -n` or mapfile.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-.venv}
case $VENV in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
STAMP_DIR="$ROOT/var/stamps"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    _bold=$(printf '\033[1m'); _red=$(printf '\033[31m'); _green=$(printf '\033[32m'); _off=$(printf '\033[0m')
else
    _bold=""; _red=""; _green=""; _off=""
fi

say() { printf '%s==> %s%s\n' "$_bold" "$*" "$_off"; }
ok() { printf '%s%s%s\n' "$_green" "$*" "$_off"; }
die() { printf '%serror: %s%s\n' "$_red" "$*" "$_off" >&2; exit 1; }

_is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }

# Print the command of a Python 3.11: $PYTHON if set, else python3.11, else python3 if it is 3.11.
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if _is_py311 "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

_sha256() { "$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }

# ensure_venv REQUIREMENTS_FILE...: create $VENV if missing or broken, then `pip install -r` each
# file whose content changed since it was last installed into this venv (a sha256 stamp in var/stamps).
ensure_venv() {
    local name py file stamp
    local todo=()
    name=$(basename "$VENV")
    name=${name#.}
    if [ ! -x "$VENV/bin/python" ] || ! _is_py311 "$VENV/bin/python" || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        py=$(find_python) || die "Python 3.11 is needed: install it (python3.11 on PATH) or set PYTHON=/path/to/python3.11."
        say "Creating the virtualenv ${VENV#"$ROOT"/} with $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))"
        rm -rf "$VENV"
        rm -f "$STAMP_DIR/$name".*
        "$py" -m venv "$VENV"
    fi
    for file in "$@"; do
        stamp="$STAMP_DIR/$name.$(basename "$file").sha256"
        if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(_sha256 "$ROOT/$file")" ]; then
            todo+=("$file")
        fi
    done
    # ${#todo[@]} is safe on an empty array under `set -u`; "${todo[@]}" is not before bash 4.4.
    if [ ${#todo[@]} -eq 0 ]; then
        return 0
    fi
    say "Installing ${todo[*]} into ${VENV#"$ROOT"/} (the first time takes a minute or two)"
    local args=()
    for file in "${todo[@]}"; do
        args+=(-r "$ROOT/$file")
    done
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" \
        || die "pip install failed (see above). Fix it and run again; nothing was stamped as installed."
    mkdir -p "$STAMP_DIR"
    for file in "${todo[@]}"; do
        _sha256 "$ROOT/$file" >"$STAMP_DIR/$name.$(basename "$file").sha256"
    done
}
