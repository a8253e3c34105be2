#!/usr/bin/env bash
# The static (musl) binary against the ordinary glibc build, on the 150,000-account
# national dataset (issue: "musl's allocator is slow under a multi-threaded tokio
# runtime: measure ... and if the static one is more than 10 % slower, use a well-kept
# allocator").
#
# Runs, for each of
#   glibc   x86_64-unknown-linux-gnu,  mimalloc (what `cargo build --release` ships)
#   musl    x86_64-unknown-linux-musl, mimalloc (what scripts/dist.sh ships)
#   musl-sys x86_64-unknown-linux-musl, musl's own allocator (--features system-allocator)
# the core benchmark (store load + summary, two-week rule), the console benchmark (first
# frame, search keystrokes) and, with hyperfine, `govcheck summary` and `govcheck
# warnings` as whole processes. Output goes to target/static-vs-glibc/*.log; the figures
# are printed, not judged.
#
# Usage: benches/static_vs_glibc.sh   (as root the first time: it installs musl-tools and
# hyperfine; the core bench builds the dataset under target/bench-data if it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

MUSL=x86_64-unknown-linux-musl
OUT=target/static-vs-glibc
STORE=target/bench-data/core-n150000-s42-v1/store
mkdir -p "$OUT"

need=()
command -v x86_64-linux-musl-gcc >/dev/null 2>&1 || need+=(musl-tools)
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "needs Debian packages: ${need[*]}" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target list --installed | grep -qx "$MUSL" || rustup target add "$MUSL"
export CC_x86_64_unknown_linux_musl=x86_64-linux-musl-gcc

# The musl benches find their dataset next to their profile directory: share the one
# the glibc benches build instead of generating it twice.
for d in "target/$MUSL" "target/musl-sys/$MUSL"; do
  mkdir -p "$d"
  [ -e "$d/bench-data" ] || ln -s "$(pwd)/target/bench-data" "$d/bench-data"
done

run() { # NAME CARGO-ARGS...
  local name=$1
  shift
  echo "== $name: core"
  cargo bench --bench core "$@" 2>&1 | tee "$OUT/$name-core.log" | grep -E '^\s*(load|summary|two-week|posts|sqlite|SQLite|peak)' || true
  echo "== $name: console"
  GOVCHECK_BENCH_STORE=$STORE cargo bench --bench tui "$@" 2>&1 | tee "$OUT/$name-tui.log" | grep -Ei 'frame|search|keystroke|bytes' || true
}

run glibc
run musl --target "$MUSL"
run musl-sys --target "$MUSL" --features system-allocator --target-dir target/musl-sys

cargo build --release
cargo build --release --target "$MUSL"
cargo build --release --target "$MUSL" --features system-allocator --target-dir target/musl-sys
bins=(target/release/govcheck "target/$MUSL/release/govcheck" "target/musl-sys/$MUSL/release/govcheck")
for cmd in "summary --round 2026Q1" "warnings --round 2026Q1"; do
  args=()
  for b in "${bins[@]}"; do args+=("$b --data $STORE --as-of 2026-06-30 $cmd"); done
  echo "== hyperfine: $cmd"
  hyperfine --warmup 2 --runs 10 --output=null --export-markdown "$OUT/hyperfine-${cmd%% *}.md" "${args[@]}"
done
