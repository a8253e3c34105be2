#!/bin/sh
# The console's start on a large store, from process start to its first full frame,
# as the real binary in a real pseudo-terminal (tmux) measures it: the console logs
# "first full frame N ms after process start" (and when the search index follows).
#
#   benches/console_start.sh [STORE_DIR] [RUNS]
#   benches/console_start.sh --registry URL [RUNS]     (GOVCHECK_TOKEN set; every run
#                                      starts with an empty cache: the whole checkpoint)
#
# Default store: the 150,000-account one the core bench builds
# (target/bench-data/core-n150000-s42-v1/store; run `cargo bench --bench core` first).
# Needs tmux. Each run has its own empty HOME, so no config or cache of yours is used.
set -eu
cd "$(dirname "$0")/.."
BIN=$PWD/target/release/govcheck
# The targets: 300 ms on a local store (the console issue), 1 s against the server
# (the registry API issue).
TARGET="< 300 ms"
if [ "${1:-}" = "--registry" ]; then
    SOURCE="--registry $2"
    RUNS=${3:-7}
    TARGET="< 1 s"
else
    STORE=${1:-target/bench-data/core-n150000-s42-v1/store}
    RUNS=${2:-7}
    [ -f "$STORE/store.json" ] || { echo "console_start.sh: no store at $STORE (cargo bench --bench core builds it)" >&2; exit 1; }
    SOURCE="--data $(cd "$STORE" && pwd)"
fi
command -v tmux >/dev/null 2>&1 || { echo "console_start.sh: tmux not found (apt-get install tmux)" >&2; exit 1; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'tmux -L gcbench kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
firsts=""
i=1
while [ "$i" -le "$RUNS" ]; do
    home=$work/home$i
    mkdir -p "$home"
    log=$home/.local/state/govcheck/console.log
    # shellcheck disable=SC2086
    tmux -L gcbench new-session -d -x 120 -y 40 -s run$i \
        "env HOME=$home XDG_CONFIG_HOME=$home/.config XDG_STATE_HOME=$home/.local/state XDG_CACHE_HOME=$home/.cache XDG_DATA_HOME=$home/.local/share GOVCHECK_TOKEN=${GOVCHECK_TOKEN:-} $BIN $SOURCE --as-of 2026-06-30"
    n=0
    until grep -q "search index and posts on screen" "$log" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -lt 600 ] || { echo "run $i: no first frame after 30 s" >&2; cat "$log" >&2 2>/dev/null; exit 1; }
        sleep 0.05
    done
    tmux -L gcbench send-keys -t run$i q
    n=0
    while tmux -L gcbench has-session -t run$i 2>/dev/null && [ "$n" -lt 100 ]; do
        n=$((n + 1))
        sleep 0.05
    done
    first=$(sed -n 's/.*first full frame \([0-9]*\) ms after process start.*/\1/p' "$log")
    rest=$(sed -n 's/.*search index and posts on screen \([0-9]*\) ms after process start.*/\1/p' "$log")
    echo "run $i: first full frame $first ms; search index and posts $rest ms"
    firsts="$firsts $first"
    i=$((i + 1))
done
# shellcheck disable=SC2086
printf '%s\n' $firsts | sort -n | awk -v target="$TARGET" '{ v[NR] = $1 } END {
    printf "first full frame from process start, %d runs: median %d ms, min %d ms, max %d ms (target %s)\n",
        NR, v[int((NR + 1) / 2)], v[1], v[NR], target }'
