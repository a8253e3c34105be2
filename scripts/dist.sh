#!/usr/bin/env bash
# Static binaries for intranet hosts (README: "Install on an intranet host"):
#   dist/govcheck-x86_64-unknown-linux-musl
#   dist/govcheck-aarch64-unknown-linux-musl
#   dist/SHA256SUMS
# Installs what it needs (rustup targets; Debian packages when run as root), builds with
# the size-minded `dist` profile, and smoke-tests each binary before it says so: the
# x86_64 one in an empty root (a chroot holding only the binary and a work directory: no
# /lib, no /etc, no HOME), the aarch64 one under qemu-aarch64-static -cpu cortex-a53;
# each runs --version, init --demo, and summary --round 2022Q1 --format csv, compared
# with scripts/demo-summary-2022Q1.csv.
#
# Usage: scripts/dist.sh [--no-build]   (--no-build: smoke-test what is in dist/)
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
PROFILE=dist
MAX_BYTES=$((15 * 1024 * 1024))
EXPECTED=scripts/demo-summary-2022Q1.csv
build=1
[ "${1:-}" = "--no-build" ] && build=0

say() { printf '== %s\n' "$*"; }
die() { printf 'dist: %s\n' "$*" >&2; exit 1; }

# --- what the build and the smoke tests need -------------------------------------
need_apt=()
command -v musl-gcc >/dev/null 2>&1 || need_apt+=(musl-tools)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_apt+=(gcc-aarch64-linux-gnu)
command -v aarch64-linux-musl-gcc >/dev/null 2>&1 || need_apt+=(musl-dev:arm64)
command -v qemu-aarch64-static >/dev/null 2>&1 || need_apt+=(qemu-user-static)
command -v readelf >/dev/null 2>&1 || need_apt+=(binutils)
command -v sha256sum >/dev/null 2>&1 || need_apt+=(coreutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "needs Debian packages: ${need_apt[*]} (run as root to install them)"
  say "apt-get install ${need_apt[*]}"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ "$build" = 1 ]; then
  installed=$(rustup target list --installed)
  for t in "${TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
  done
fi

# --- build -----------------------------------------------------------------------
# C code in the dependency tree (mimalloc, ring, SQLite) is compiled with musl's
# compilers: glibc's cross headers do not link into a static musl binary.
export CC_x86_64_unknown_linux_musl=x86_64-linux-musl-gcc
export CC_aarch64_unknown_linux_musl=aarch64-linux-musl-gcc
export AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-musl-gcc

mkdir -p dist
if [ "$build" = 1 ]; then
  args=()
  for t in "${TARGETS[@]}"; do args+=(--target "$t"); done
  say "cargo build --locked --profile $PROFILE ${args[*]}"
  start=$(date +%s)
  cargo build --locked --profile "$PROFILE" "${args[@]}"
  say "built in $(( $(date +%s) - start )) s"
  rm -f dist/SHA256SUMS
  for t in "${TARGETS[@]}"; do
    cp "target/$t/$PROFILE/govcheck" "dist/govcheck-$t"
  done
  (cd dist && sha256sum "${TARGETS[@]/#/govcheck-}" > SHA256SUMS)
fi

# --- checks ----------------------------------------------------------------------
[ -f dist/SHA256SUMS ] || die "dist/SHA256SUMS missing"
(cd dist && sha256sum --quiet -c SHA256SUMS) || die "dist/SHA256SUMS does not match the binaries"
version="govcheck $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"

for t in "${TARGETS[@]}"; do
  bin="dist/govcheck-$t"
  [ -x "$bin" ] || die "$bin missing"
  size=$(stat -c %s "$bin")
  say "$bin: $size bytes ($(( (size + 524288) / 1048576 )) MiB)"
  [ "$size" -lt "$MAX_BYTES" ] || die "$bin is $size bytes, over the $MAX_BYTES-byte goal"
  if readelf -lW "$bin" | grep -q 'INTERP' || readelf -dW "$bin" | grep -q 'NEEDED'; then
    die "$bin is not static (it has an ELF interpreter or needs shared libraries)"
  fi
done

# check NAME OUTPUT EXPECTED: compare, showing the difference on failure.
check() {
  if [ "$2" != "$3" ]; then
    printf 'dist: %s: unexpected output\n--- expected\n%s\n--- got\n%s\n' "$1" "$3" "$2" >&2
    exit 1
  fi
}
expected=$(cat "$EXPECTED")

# x86_64: an empty root with the binary and a work directory, run as a user with no
# passwd entry and an empty environment (no HOME, no TZ, no PATH).
say "smoke test x86_64-unknown-linux-musl in an empty root"
root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
cp dist/govcheck-x86_64-unknown-linux-musl "$root/govcheck"
mkdir "$root/work"
chown 65534:65534 "$root/work" 2>/dev/null || chmod 777 "$root/work"
chroot_bin=$(PATH="$PATH:/usr/sbin:/sbin" command -v chroot) || die "chroot not found"
in_root() { env -i "$chroot_bin" --userspec=65534:65534 "$root" /govcheck "$@"; }
if [ "$(id -u)" != 0 ]; then
  die "the empty-root smoke test needs chroot (run as root)"
fi
check "--version" "$(in_root --version)" "$version"
in_root --data /work/demo init --demo
check "summary (x86_64, empty root)" "$(in_root --data /work/demo summary --round 2022Q1 --format csv)" "$expected"
leftover=$(cd "$root" && find . -mindepth 1 -not -path './work*' -not -path './govcheck')
[ -z "$leftover" ] || die "the binary wrote outside its work directory: $leftover"

# aarch64: under qemu, on the oldest core of the Kunpeng/Phytium generation.
say "smoke test aarch64-unknown-linux-musl under qemu-aarch64-static -cpu cortex-a53"
mkdir "$root/arm"
qemu_bin=$(command -v qemu-aarch64-static)
arm() { env -i "$qemu_bin" -cpu cortex-a53 dist/govcheck-aarch64-unknown-linux-musl "$@"; }
check "--version (aarch64)" "$(arm --version)" "$version"
arm --data "$root/arm/demo" init --demo
check "summary (aarch64)" "$(arm --data "$root/arm/demo" summary --round 2022Q1 --format csv)" "$expected"

say "dist: OK"
(cd dist && cat SHA256SUMS)
