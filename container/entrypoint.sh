#!/bin/sh
# The image's entry point: runs `ucdhcp "$@"` by exec, so ucdhcp is PID 1 and gets SIGTERM
# (docker/podman stop) and SIGHUP (reload) directly.
#
# The non-root user gets its capabilities from the interpreter's file capabilities (+ep, see
# the Dockerfile), and the kernel refuses to execute such a file when one of its capabilities
# is missing from the container's bounding set. So the interpreter is chosen by that set:
# - NET_BIND_SERVICE and NET_RAW (Docker's defaults; podman with --cap-add NET_RAW):
#   bin/python-frames binds UDP 67 and sends replies to phones on the link as Ethernet frames.
# - NET_BIND_SERVICE only (podman's defaults; --cap-drop ALL --cap-add NET_BIND_SERVICE):
#   bin/python binds UDP 67; replies go through the UDP socket and ucdhcp logs
#   `frames_unavailable` once (`interface_added` says `replies_as_frames: false`).
# - neither (--cap-drop ALL, Kubernetes "restricted" pods): the plain interpreter, which binds
#   67 where net.ipv4.ip_unprivileged_port_start <= 67 in the container's network namespace,
#   and otherwise exits 1 with "ports below 1024 need root or CAP_NET_BIND_SERVICE". It keeps
#   any ambient capabilities (podman gives a non-root user the --cap-add ones).
set -eu
bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
bounded() { # capability number (linux/capability.h) -> whether the bounding set holds it
    [ -n "$bounding" ] && [ $(((0x$bounding >> $1) & 1)) -eq 1 ]
}
if bounded 10 && bounded 13; then # CAP_NET_BIND_SERVICE, CAP_NET_RAW
    exec /opt/ucdhcp/bin/python-frames -m ucdhcp "$@"
elif bounded 10; then
    exec /opt/ucdhcp/bin/python -m ucdhcp "$@"
fi
exec /opt/ucdhcp/bin/python3 -m ucdhcp "$@"
