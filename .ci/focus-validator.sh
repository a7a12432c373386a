#!/usr/bin/env bash
# Install the FinOps Foundation FOCUS validator into its own Python 3.12 venv (.venv-focus).
# focus-validator 2.x needs Python >= 3.12 while the project runs on 3.11, hence the separate venv.
# Idempotent: a venv whose focus-validator already runs is left as it is.
# Usage: .ci/focus-validator.sh            (venv path from CCFINOPS_FOCUS_VENV, default .venv-focus)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CCFINOPS_FOCUS_VENV:-.venv-focus}"
SPEC="${CCFINOPS_FOCUS_VALIDATOR_SPEC:-focus-validator>=2.0,<3}"
# focus-validator pins numpy<2, and pyarrow 26 refuses numpy 1.x at import time: cap pyarrow.
PYARROW_SPEC="${CCFINOPS_FOCUS_PYARROW_SPEC:-pyarrow<26}"

smoke() {
  "$VENV/bin/python" -c "import pyarrow, polars, duckdb, focus_validator.validator" >/dev/null 2>&1 \
    && versions="$("$VENV/bin/focus-validator" --supported-versions --block-download 2>/dev/null)" \
    && [[ "$versions" == *"1.2"* ]]
  # (no `| grep -q` here: with pipefail, grep quitting early can SIGPIPE the validator and fail the check)
}

if [ -x "$VENV/bin/focus-validator" ] && smoke; then
  echo "focus-validator already installed in $VENV ($("$VENV/bin/pip" show focus-validator 2>/dev/null | sed -n 's/^Version: //p'))"
  exit 0
fi

make_venv() {
  if command -v pyenv >/dev/null 2>&1 || [ -n "${PYENV_ROOT:-}" ]; then
    PYENV_VERSION="${CCFINOPS_FOCUS_PYTHON:-3.12.1}" python3.12 -m venv "$VENV" && return 0
  fi
  python3.12 -m venv "$VENV"
}

rm -rf "$VENV"
echo "creating $VENV (Python 3.12)" >&2
make_venv
"$VENV/bin/python" -m pip install -q --upgrade pip
echo "installing $SPEC" >&2
"$VENV/bin/python" -m pip install -q "$SPEC" "$PYARROW_SPEC" 2>&1 | grep -v "^WARNING: Location" >&2 || true
if ! smoke; then
  echo "focus-validator in $VENV does not import or lacks the bundled FOCUS 1.2 rules" >&2
  exit 1
fi
echo "focus-validator $("$VENV/bin/pip" show focus-validator | sed -n 's/^Version: //p') installed in $VENV"
