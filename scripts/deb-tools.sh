#!/bin/sh
# The tools `make deb` and the Debian package test need: dpkg-deb, objdump, patchelf, and for
# the test debootstrap and lintian. Installed with apt when running as root and missing;
# otherwise says what to install (the deb test then skips and says why).
set -eu
missing=""
for tool in dpkg-deb:dpkg objdump:binutils patchelf:patchelf debootstrap:debootstrap \
            lintian:lintian desktop-file-validate:desktop-file-utils \
            appstreamcli:appstream; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing the Debian packaging tools:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
        >/dev/null 2>&1 || {
        apt-get update -q >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            $missing >/dev/null 2>&1 || echo "   (could not install:$missing)"
    }
else
    echo "== missing Debian packaging tools:$missing (apt-get install$missing)"
fi
