#!/bin/sh
# The image's entry point: runs `ucdhcp "$@"` by exec, so ucdhcp is PID 1 and gets SIGTERM
# (docker/podman stop) and SIGHUP (reload) directly.
#
# /opt/ucdhcp/bin/python carries the file capability cap_net_bind_service=+ep: that is what
# lets the non-root user bind UDP 67. The kernel refuses to execute such a file when the
# container's bounding set lacks the capability (--cap-drop ALL without
# --cap-add NET_BIND_SERVICE, Kubernetes "restricted" pods without add: [NET_BIND_SERVICE]).
# Then the venv's plain interpreter runs ucdhcp instead: it can bind port 67 where
# net.ipv4.ip_unprivileged_port_start <= 67 in the container's network namespace, and otherwise
# exits 1 with "ports below 1024 need root or CAP_NET_BIND_SERVICE".
set -eu
bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
if [ -n "$bounding" ] && [ $(((0x$bounding >> 10) & 1)) -eq 1 ]; then # CAP_NET_BIND_SERVICE
    exec /opt/ucdhcp/bin/python -m ucdhcp "$@"
fi
exec /opt/ucdhcp/bin/python3 -m ucdhcp "$@"
