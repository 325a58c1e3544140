#!/bin/sh
# Builds the Debian package, dist/ucdhcp_VERSION-1_ARCH.deb: a self-contained venv under
# /opt/ucdhcp with the compiled core (on Debian 12's python3.11, from the hashed lock), the
# systemd unit, /etc/ucdhcp/ucdhcp.toml as a conffile, a sysctl.d file, the man page, bash
# completion and the licence. Installs offline with `apt install ./ucdhcp_*.deb` on Debian 12.
#
#   packaging/build-deb.sh [OUTDIR]        # default dist/
#
# It builds the Dockerfile's `deb` stage with podman (ENGINE=docker for Docker) on the pinned
# Debian base, or on BASE (e.g. BASE=localhost/ucdhcp-base:bookworm from
# container/build-base.sh where no registry is reachable); the build needs a Debian mirror and
# PyPI. TAG names the stage's image (kept, so the next build reuses its cache).
set -eu
cd "$(dirname "$0")/.."
out=${1:-dist}
engine=${ENGINE:-podman}
tag=${TAG:-localhost/ucdhcp-deb:build}
set -- build --target deb -t "$tag" -f Dockerfile
[ -z "${BASE:-}" ] || set -- "$@" --build-arg "BASE=$BASE"
if [ "$engine" = podman ]; then
    # Never podman's default bridge network (it changes the host's forwarding and firewall);
    # the host's CA bundle lets pip in the build reach PyPI from a minimal Debian base.
    set -- "$@" --network host
    bundle=/etc/ssl/certs/ca-certificates.crt
    [ ! -r "$bundle" ] || set -- "$@" -v "$bundle:$bundle:ro"
fi
"$engine" "$@" . >&2
container=$("$engine" create "$tag")
trap '"$engine" rm -f "$container" >/dev/null' EXIT
mkdir -p "$out"
"$engine" cp "$container:/out/." "$out/"
ls "$out"/ucdhcp_*.deb
