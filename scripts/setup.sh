# Shared set-up for scripts/start and scripts/test (sourced) and scripts/bun (run).
# Installs Bun without root when missing (into ./.bun, with npm), then the locked dependencies.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUN_VERSION="1.4.5"
LOCAL_BUN="$ROOT/.bun/node_modules/.bin/bun"
export PATH="$ROOT/.bun/node_modules/.bin:$PATH"

# True when `bun` runs and is at least $BUN_VERSION.
bun_ok() {
  local v
  v="$(bun --version 2>/dev/null)" || return 1
  [ "$(printf '%s\n%s\n' "$BUN_VERSION" "$v" | sort -V | head -1)" = "$BUN_VERSION" ]
}

if ! bun_ok; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Sally needs Bun >= $BUN_VERSION, or Node.js with npm to install it: neither was found." >&2
    exit 1
  fi
  echo "Bun >= $BUN_VERSION not found: installing bun@$BUN_VERSION into $ROOT/.bun with npm" >&2
  # `--prefix` also moves npm's global config file to <prefix>/etc/npmrc, so pass the one this
  # machine uses (its registry, proxy or CA file) along. The user config (~/.npmrc) and npm_config_*
  # variables are read as usual.
  globalconfig="$(npm config get globalconfig)"
  npm install --prefix "$ROOT/.bun" --globalconfig "$globalconfig" --no-save --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
  # The bun package puts its real executable in place from a postinstall script, which npm may skip
  # (ignore-scripts, or install scripts awaiting approval). Run it ourselves when needed.
  if ! "$LOCAL_BUN" --version >/dev/null 2>&1; then
    (cd "$ROOT/.bun/node_modules/bun" && node install.js) >&2
  fi
  hash -r
  if ! bun_ok; then
    echo "Installing Bun failed: $LOCAL_BUN does not run. Install Bun >= $BUN_VERSION (https://bun.sh) and retry." >&2
    exit 1
  fi
fi
bun install --frozen-lockfile >&2
