#!/usr/bin/env bash
# Property-based tests of the registry API against docs/openapi.json: schemathesis
# (pinned below) drives a real `govcheck serve` on a throw-away demo store, once with an
# admin token and once with a viewer token. It fails on any server error (5xx), any
# status or body or content type the description does not state, and any request the
# description calls valid that the server refuses (scripts/schemathesis.toml says
# where state the schema cannot know makes a refusal right).
#
# Usage: scripts/schemathesis.sh            (about 1-3 minutes; a few more the first time)
# Env:   SCHEMATHESIS_MAX_EXAMPLES (default 40 per operation and phase),
#        SCHEMATHESIS_MAX_TIME (default 75 s per run), GOVCHECK_BIN (default the debug
#        binary under CARGO_TARGET_DIR or target/, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/govcheck/schemathesis-$version"
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "== schemathesis $version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

target="${CARGO_TARGET_DIR:-$root/target}"
bin="${GOVCHECK_BIN:-$target/debug/govcheck}"
if [ -z "${GOVCHECK_BIN:-}" ]; then
  cargo build -q --bin govcheck
fi
[ -x "$bin" ] || { echo "schemathesis.sh: no govcheck binary at $bin" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
mkdir -p "$HOME"
"$bin" --data "$work/store" init --demo >/dev/null
token() {
  "$bin" token create --tokens "$work/tokens.json" --name "$1" --role "$2" |
    grep -o 'gct_[A-Za-z0-9_-]*' | head -n 1
}
admin=$(token schemathesis-admin admin)
viewer=$(token schemathesis-viewer viewer)
[ -n "$admin" ] && [ -n "$viewer" ] || { echo "schemathesis.sh: no token printed" >&2; exit 1; }

"$bin" --data "$work/store" serve --listen 127.0.0.1:0 --tokens "$work/tokens.json" \
  2>"$work/serve.log" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "schemathesis.sh: the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "== govcheck serve at $url"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance
summary=()
status=0
for who in admin viewer; do
  tok=$admin
  [ "$who" = viewer ] && tok=$viewer
  echo "== schemathesis as $who"
  set +e
  # From the scratch directory: schemathesis keeps a cache in the current one.
  (cd "$work" && "$venv/bin/schemathesis" --config-file "$root/scripts/schemathesis.toml" \
    run "$root/docs/openapi.json" \
    --url "$url" \
    --header "Authorization: Bearer $tok" \
    --checks "$checks" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
    --max-time "${SCHEMATHESIS_MAX_TIME:-75}" \
    --request-timeout 40 \
    --generation-database none \
    --warnings off \
    --no-color) \
    >"$work/$who.txt" 2>&1
  rc=$?
  set -e
  cat "$work/$who.txt"
  line=$(grep -E '^=+ .* in [0-9.]+s =+$' "$work/$who.txt" | tail -n 1 | tr -d '=' | xargs || true)
  if [ "$rc" = 0 ]; then
    summary+=("$who: ok (${line:-no summary})")
  else
    summary+=("$who: FAILED, exit $rc (${line:-no summary})")
    status=1
  fi
done
if ! kill -0 "$server_pid" 2>/dev/null; then
  summary+=("server: DIED during the run")
  status=1
fi

echo "== schemathesis summary"
printf '%s\n' "${summary[@]}"
exit "$status"
