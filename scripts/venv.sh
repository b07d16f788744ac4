# Sourced by the Python test runners (sdk-tests.sh, console-tests.sh): `ensure_venv VENV REQUIREMENTS`
# creates (or reuses) a virtualenv and installs REQUIREMENTS into it only when that file changed since the
# last successful install. A venv whose interpreter no longer runs (e.g. the base Python moved) is rebuilt.
# Needs a `log` function; honours PYTHON (interpreter for the venv, default python3).

ensure_venv() {
  local venv=$1 requirements=$2 python="${PYTHON:-python3}"
  local stamp="$venv/.requirements.sha256" want have
  if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating virtualenv $venv"
    if ! "$python" -m venv --clear "$venv"; then
      # Debian/Ubuntu without the python3-venv package have no ensurepip: borrow the system pip instead.
      log "python3 -m venv failed; retrying without pip, using the system's pip"
      rm -rf "$venv"
      "$python" -m venv --without-pip --system-site-packages "$venv"
    fi
  fi
  # Keep the venv out of git whatever the repository's .gitignore says.
  [[ -f "$venv/.gitignore" ]] || printf '*\n' >"$venv/.gitignore"
  want="$("$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [[ "$want" != "$have" ]]; then
    log "installing $requirements"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --requirement "$requirements"
    printf '%s\n' "$want" >"$stamp"
  fi
}
