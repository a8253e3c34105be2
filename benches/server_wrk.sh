#!/bin/sh
# Summary endpoint latency under 50 concurrent connections, measured by wrk (an
# event-driven load generator in its own process), against the release binary serving
# a copy of the 150,000-account store on loopback.
#
#   benches/server_wrk.sh [STORE_DIR] [ROUND] [SECONDS]
#
# Without STORE_DIR, uses the core bench's store (target/bench-data/core-n150000-s42-v1/store,
# made by `cargo bench --bench core`). Needs wrk (apt-get install wrk).
# The in-process `cargo bench --bench server` runs its 50 clients as 50 blocking threads
# (each with a runtime of its own) on the server's two cores, so its tail includes the
# clients' own scheduling; this one does not.
set -eu
cd "$(dirname "$0")/.."
BIN=target/release/govcheck
SRC=${1:-target/bench-data/core-n150000-s42-v1/store}
ROUND=${2:-2026Q2}
SECS=${3:-10}
command -v wrk >/dev/null || { echo "server_wrk.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
[ -f "$SRC/store.json" ] || { echo "server_wrk.sh: no store at $SRC (run cargo bench --bench core first)" >&2; exit 1; }
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cp -r "$SRC" "$tmp/store"
token=$("$BIN" token create --tokens "$tmp/tokens.json" --name bench --role viewer 2>/dev/null)
[ -n "$token" ] || { echo "server_wrk.sh: no token printed" >&2; exit 1; }
port=$((20000 + $$ % 20000))
"$BIN" --data "$tmp/store" serve --listen "127.0.0.1:$port" --tokens "$tmp/tokens.json" 2>"$tmp/serve.log" &
pid=$!
i=0
until curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "server did not start:"; cat "$tmp/serve.log"; exit 1; }
    sleep 0.2
done
url="http://127.0.0.1:$port/api/v1/rounds/$ROUND/summary"
echo "wrk: 2 threads, 50 connections, ${SECS}s, GET $url"
wrk -t2 -c50 -d"${SECS}s" --latency -H "Authorization: Bearer $token" "$url"
