#!/bin/sh
# Build a local Debian bookworm base image with Python 3.11 for the ucdhcp Dockerfile, for
# machines that cannot pull python:3.11-slim (no registry reachable) but can reach a Debian
# mirror. Usage (root; needs debootstrap and podman):
#
#     container/build-base.sh [IMAGE]        # default IMAGE: localhost/ucdhcp-base:bookworm
#
# then: podman build --format docker --build-arg BASE=IMAGE ...
#
# Nothing is done when IMAGE already exists (set REBUILD=1 to rebuild). The mirror is taken
# from MIRROR, else from the first bookworm entry of /etc/apt/sources.list{,.d/*}, else
# http://deb.debian.org/debian. CONTAINERS_CONF is honoured as by any podman command.
set -eu

IMAGE=${1:-localhost/ucdhcp-base:bookworm}
SUITE=${SUITE:-bookworm}
PACKAGES=python3,python3-venv,python3-pip,python-is-python3

if [ "${REBUILD:-0}" != 1 ] && podman image exists "$IMAGE"; then
    echo "build-base: $IMAGE already exists (REBUILD=1 to rebuild)"
    exit 0
fi

# The Debian archive URI serving $SUITE: deb822 (.sources) stanzas or one-line entries.
find_mirror() {
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -r "$file" ] || continue
        awk -v suite="$SUITE" '
            function flush() {
                if (uri != "" && (" " suites " ") ~ (" " suite " ") && uri ~ /debian\/?$/ \
                    && uri !~ /security/) { print uri; found = 1; exit }
                uri = ""; suites = ""
            }
            /^[ \t]*$/ { flush(); next }
            tolower($1) == "uris:" { uri = $2 }
            tolower($1) == "suites:" { $1 = ""; suites = $0 }
            END { if (!found) flush() }
        ' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$file" ] || continue
        awk -v suite="$SUITE" '
            $1 == "deb" {
                i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite && $i ~ /debian\/?$/) { print $i; exit }
            }' "$file"
    done
}
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(find_mirror | head -n 1)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/ucdhcp-base.XXXXXX")
cleanup() {
    # debootstrap mounts proc/sys inside the tree while it works: never rm -rf through them.
    awk -v root="$rootfs/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mountpoint; do umount -l "$mountpoint" || true; done
    rm -rf "$rootfs" "$rootfs.log"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "build-base: debootstrap $SUITE from $MIRROR (about a minute)"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" \
    >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log" >&2; exit 1; }

# Smaller and reproducible-ish: no package caches, lists, logs, docs or man pages.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/debconf/*-old
# Inside the image, apt should use the same mirror (e.g. to add libcap2-bin in a build stage).
echo "deb $MIRROR $SUITE main" >"$rootfs/etc/apt/sources.list"

tar -C "$rootfs" --numeric-owner -c . |
    podman import \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        --message "debootstrap --variant=minbase --include=$PACKAGES $SUITE $MIRROR" \
        - "$IMAGE" >/dev/null
echo "build-base: $IMAGE built"
