#!/bin/sh
# Peak memory (max RSS) of govcheck commands on a synthetic national store.
#
#   benches/peak_rss.sh [STORE_DIR] [ROUND]
#
# Without STORE_DIR, builds the release binary and creates the 150,000-account store
# (`govcheck demo --accounts 150000 --out target/bench-data/peak-rss-store`) first.
# Needs /usr/bin/time (Debian/Ubuntu: apt-get install time).
set -eu
cd "$(dirname "$0")/.."
BIN=target/release/govcheck
STORE=${1:-target/bench-data/peak-rss-store}
ROUND=${2:-2026Q1}
[ -x /usr/bin/time ] || { echo "peak_rss.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
if [ ! -f "$STORE/store.json" ]; then
    "$BIN" demo --accounts 150000 --out "$STORE"
fi
for cmd in "summary --round $ROUND" "warnings --round $ROUND" "findings --round $ROUND"; do
    # shellcheck disable=SC2086
    /usr/bin/time -v "$BIN" --data "$STORE" --as-of 2026-06-30 $cmd >/dev/null 2>target/peak_rss.time
    rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' target/peak_rss.time)
    wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' target/peak_rss.time)
    printf 'govcheck %-32s Maximum resident set size: %s kB (%s MB), wall %s\n' \
        "$cmd" "$rss" "$((rss / 1024))" "$wall"
done
rm -f target/peak_rss.time
