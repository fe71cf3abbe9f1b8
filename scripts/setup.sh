#!/usr/bin/env bash
# Installs every Debian package schedlab's build, tests, benchmarks and plots need.
# Idempotent: when everything is present it does nothing and exits 0.
# Must run as root (apt-get) when something is missing; otherwise says what to install.
set -eu

native_pkgs=(
  gcc make pkg-config
  libsqlite3-dev sqlite3 libcjson-dev libcriterion-dev
  libhwloc-dev hwloc libssl-dev
  gnuplot-nox
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${native_pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages and not root; run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: done" >&2
