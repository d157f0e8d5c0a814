#!/bin/sh
# Installs the Debian packages Cairn needs to build, boot and test.
#
# Run as root it installs what is missing with apt-get; otherwise it prints
# the exact apt-get line and fails, so `make` stops with a clear message.
set -eu

PACKAGES="gcc-i686-linux-gnu binutils-i686-linux-gnu grub-pc-bin grub-common
xorriso mtools qemu-system-x86 qemu-utils python3-pytest python3-pytest-timeout python3-pexpect
clang libclang-rt-14-dev gcc make iproute2 iputils-ping"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
            grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "cairn: missing packages:$missing" >&2
    echo "cairn: install them with:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "cairn: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
