# Shared set-up for scripts/start and scripts/test (sourced, not run).
# Installs Bun without root when missing, then the locked dependencies.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUN_VERSION="1.4.5"
export PATH="$ROOT/.bun/node_modules/.bin:$PATH"
if ! command -v bun >/dev/null 2>&1; then
  echo "Bun not found: installing bun@$BUN_VERSION into $ROOT/.bun with npm" >&2
  npm install --prefix "$ROOT/.bun" --no-save --no-audit --no-fund "bun@$BUN_VERSION" >&2
fi
bun install --frozen-lockfile >&2
