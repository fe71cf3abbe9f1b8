#!/usr/bin/env bash
# Installs every Debian package schedlab's build, tests, benchmarks and plots need.
# Idempotent: when everything is present it does nothing and exits 0.
# Must run as root (apt-get) when something is missing; otherwise says what to install.
set -eu

native_pkgs=(
  gcc make pkg-config
  libsqlite3-dev sqlite3 libcjson-dev libcriterion-dev
  libhwloc-dev hwloc libssl-dev
  gnuplot-nox parallel time
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  g++ libtbb-dev
  erlang-base erlang-runtime-tools
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

# arm64 builds of the libraries build/aarch64/schedlab links (Debian multiarch; the dynamic
# loader they bring lets qemu-aarch64 run it without -L). Needs `dpkg --add-architecture arm64`.
arm64_pkgs=(
  libsqlite3-dev:arm64 libcjson-dev:arm64 libhwloc-dev:arm64 libssl-dev:arm64
)

missing=()
for p in "${native_pkgs[@]}" "${arm64_pkgs[@]}"; do
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
if [[ " ${missing[*]}" == *:arm64* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -q >/dev/null     # the package lists know no arm64 package yet
fi
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: done" >&2
