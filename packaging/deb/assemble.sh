#!/bin/sh
# Assembles the Debian package inside the Dockerfile's `deb` stage (Debian 12, where the build
# stage left the compiled ucdhcp wheel and the locked runtime wheels in /wheels), as
# dh-virtualenv would: a self-contained venv at /opt/ucdhcp on Debian's own python3.11, plus the
# unit, the config as a conffile, a sysctl.d file, a man page and bash completion generated from
# the argument parser, and the licence. packaging/build-deb.sh runs this stage and copies
# /out/ucdhcp_VERSION-1_ARCH.deb out. Usage: packaging/deb/assemble.sh OUTDIR
set -eu
out=$1
here=$(dirname "$0")
root=$(mktemp -d)
chmod 0755 "$root" # the archive's ./ entry
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore

# The venv where it will live; its interpreter is a link to /usr/bin/python3.11 (Depends).
/usr/bin/python3.11 -m venv /opt/ucdhcp
/opt/ucdhcp/bin/pip install -q --no-index --find-links /wheels --require-hashes \
    -r requirements/runtime.txt
/opt/ucdhcp/bin/pip install -q --no-index --no-deps /wheels/ucdhcp-*.whl
/opt/ucdhcp/bin/python -m pip uninstall -q -y pip setuptools
rm -f /opt/ucdhcp/bin/activate* /opt/ucdhcp/bin/Activate.ps1 /opt/ucdhcp/bin/pip*
/opt/ucdhcp/bin/ucdhcp --version | grep -x 'ucdhcp .* (compiled)' # never a pure fallback
version=$(/opt/ucdhcp/bin/python -c 'import ucdhcp; print(ucdhcp.__version__)')
arch=$(dpkg --print-architecture)
# pip wrote the bytecode at install (and kept the sources' times, which dpkg keeps too), so the
# service never writes under /opt (it could not: ProtectSystem=strict).
mkdir -p "$root/opt" && cp -a /opt/ucdhcp "$root/opt/"

install -D -m 0644 systemd/ucdhcp.service "$root/lib/systemd/system/ucdhcp.service"
install -D -m 0644 config/ucdhcp.example.toml "$root/etc/ucdhcp/ucdhcp.toml"
install -D -m 0644 "$here/ucdhcp.sysctl" "$root/usr/lib/sysctl.d/ucdhcp.conf"
install -d "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions"
ln -s /opt/ucdhcp/bin/ucdhcp "$root/usr/bin/ucdhcp"
/opt/ucdhcp/bin/python "$here/../generate.py" man | gzip -9n >"$root/usr/share/man/man1/ucdhcp.1.gz"
/opt/ucdhcp/bin/python "$here/../generate.py" bash \
    >"$root/usr/share/bash-completion/completions/ucdhcp"
doc="$root/usr/share/doc/ucdhcp"
install -d "$doc/examples"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: ucdhcp"
    echo "Source: https://github.com/ucdhcp/ucdhcp"
    echo
    echo "Files: *"
    echo "Copyright: $(sed -n 's/^Copyright (c) //p' LICENSE)"
    echo "License: MIT"
    sed -e '/^MIT License$/d' -e 's/^$/./' -e 's/^/ /' LICENSE
    echo
    echo "Files: opt/ucdhcp/lib/*"
    echo "Copyright: the authors of each Python package, as its dist-info directory names them"
    echo "License: various (MIT, BSD, Apache-2.0), each package's licence in its dist-info"
} >"$doc/copyright"
gzip -9nc README.md >"$doc/README.md.gz"
install -m 0644 config/ucdhcp.example.toml monitoring/ucdhcp-alerts.yml "$doc/examples/"

install -d "$root/DEBIAN"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
echo /etc/ucdhcp/ucdhcp.toml >"$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: ucdhcp
Version: $version-1
Architecture: $arch
Maintainer: ucdhcp maintainers <ucdhcp@users.noreply.github.com>
Installed-Size: $size
Depends: python3.11, libc6 (>= 2.34)
Section: net
Priority: optional
Homepage: https://github.com/ucdhcp/ucdhcp
Description: options-only DHCP responder for Lync / Skype for Business IP phones
 Answers the DHCPINFORM of Microsoft UC phones with option 120 (SIP registrar)
 and option 43 (certificate provisioning web service), byte for byte what
 Microsoft's DHCPUtil produces, and never hands out addresses. Self-contained:
 a Python virtual environment under /opt/ucdhcp with the compiled core.
CONTROL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum >DEBIAN/md5sums)
mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/ucdhcp_${version}-1_${arch}.deb" >/dev/null
rm -rf "$root"
echo "$out/ucdhcp_${version}-1_${arch}.deb"
