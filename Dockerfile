# ucdhcp container image: a non-root ucdhcp serving /etc/ucdhcp/ucdhcp.toml, JSON logs on stdout.
#
#   docker build -t ucdhcp .
#   docker run -d --name ucdhcp --network host --read-only --cap-drop ALL \
#       --cap-add NET_BIND_SERVICE --cap-add NET_RAW -v /etc/ucdhcp:/etc/ucdhcp:ro ucdhcp
#
# NET_BIND_SERVICE binds UDP 67; NET_RAW sends replies to phones on the link as Ethernet frames,
# so none waits for ARP (without it they go through the UDP socket; see the README).
#
# The base is Debian 12 (bookworm) with Debian's Python 3.11, pinned by point release and
# digest: debian:bookworm-20251229 is Debian 12.12, and the digest is its amd64 image manifest as
# debuerreotype's artifacts list it (docker-debian-artifacts, the build of 2025-12-29). Where no
# registry is reachable (CI), container/build-base.sh debootstraps the same release from a Debian
# mirror; pass it as --build-arg BASE=localhost/ucdhcp-base:bookworm. Either way the Python
# packages are the hashed lock's (requirements/, refreshed by scripts/lock). With podman, build
# with --format docker: the OCI format has no HEALTHCHECK and podman drops it.
ARG BASE=docker.io/library/debian:bookworm-20251229@sha256:4216e8fe27fdd803d2822d08ed9de39825a41a47e34c32b71a23ac074f91eaf4

# --- build: wheels of ucdhcp and of its dependencies (the only stage that needs an index) ---
# ucdhcp's wheel holds its core compiled by mypyc (setup.py): gcc and the Python headers are
# installed here, and only here; the final stage has no compiler. The build requirements come
# from requirements/build.txt with their hashes (no isolated build environment, whose
# requirements pip would fetch unpinned); the runtime wheels from requirements/runtime.txt.
FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq \
        --no-install-recommends gcc libc6-dev python3 python3-dev python3-venv >/dev/null \
    && python3 -m venv /opt/build
WORKDIR /src
COPY requirements/build.txt requirements/runtime.txt ./requirements/
RUN /opt/build/bin/pip install --quiet --require-hashes -r requirements/build.txt \
    && /opt/build/bin/pip download --quiet --require-hashes --no-deps --dest /wheels \
        -r requirements/runtime.txt
COPY pyproject.toml setup.py README.md LICENSE ./
COPY src ./src
RUN /opt/build/bin/pip wheel --quiet --no-deps --no-build-isolation --wheel-dir /wheels .

# --- deb: the Debian package from the same wheels (packaging/build-deb.sh builds this target;
# `docker build` of the image skips it) ---
FROM build AS deb
COPY systemd/ucdhcp.service ./systemd/
COPY config/ucdhcp.example.toml ./config/
COPY monitoring/ucdhcp-alerts.yml ./monitoring/
COPY packaging ./packaging
RUN packaging/deb/assemble.sh /out

# --- final: a venv holding the wheels, nothing else (no pip, no source, no build tools) ---
FROM ${BASE}
ARG BASE
# uid/gid of the ucdhcp user (not named UID: bash has a read-only variable of that name)
ARG UCDHCP_UID=10067
ARG UCDHCP_GID=10067
# ucdhcp's version (src/ucdhcp/__init__.py; tests/container checks they agree)
ARG UCDHCP_VERSION=0.1.0
LABEL org.opencontainers.image.title="ucdhcp" \
      org.opencontainers.image.description="Options-only DHCP responder for Lync / Skype for Business IP phones (options 120 and 43)" \
      org.opencontainers.image.version="${UCDHCP_VERSION}" \
      org.opencontainers.image.source="https://github.com/ucdhcp/ucdhcp" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE}"

# python3 and python3-venv (no-ops on a base that has them); libcap2-bin for setcap below
# (and getcap for whoever debugs the image later).
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq \
        --no-install-recommends python3 python3-venv libcap2-bin >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
    && groupadd --gid "${UCDHCP_GID}" ucdhcp \
    && useradd --uid "${UCDHCP_UID}" --gid ucdhcp --no-create-home --no-log-init \
        --home-dir /nonexistent --shell /usr/sbin/nologin ucdhcp

# The venv has its own copies of the interpreter (--copies), three with different file
# capabilities (+ep), because a non-root user gets capabilities only from the file it executes
# under Docker (which does not raise --cap-add capabilities into a non-root user's ambient set)
# and the kernel refuses to execute a +ep file one of whose capabilities is missing from the
# container's bounding set (podman's default set has no NET_RAW, Docker's has):
# - bin/python-frames: cap_net_bind_service,cap_net_raw: binds UDP 67 and sends replies as
#   Ethernet frames (no ARP wait; the sender's docstring says why).
# - bin/python: cap_net_bind_service only (also what the `ucdhcp` script's #! line runs).
# - bin/python3.X (python3 links to it): none, for the health check and containers without
#   NET_BIND_SERVICE; every other `python3` in the image stays unprivileged too.
# container/entrypoint.sh picks the first whose capabilities are all in the bounding set.
# pip and setuptools are removed once the wheels are in. (The wheels are COPYed, ~7 MB left in
# that layer, rather than bind-mounted with RUN --mount=from=build: podman 4.3 fails to mount a
# cached stage (seen here; containers/podman#16281) and buildah may reuse the RUN's cache after
# the stage changed (containers/buildah#6609). COPY also works with Docker's classic builder.)
COPY --from=build /wheels /tmp/wheels
COPY requirements/runtime.txt /tmp/wheels/runtime.txt
RUN set -eu \
    && python3 -m venv --copies /opt/ucdhcp \
    && export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    && /opt/ucdhcp/bin/python -m pip install --quiet --no-index --find-links /tmp/wheels \
        --require-hashes -r /tmp/wheels/runtime.txt \
    && /opt/ucdhcp/bin/python -m pip install --quiet --no-index --no-deps /tmp/wheels/ucdhcp-*.whl \
    && rm -rf /tmp/wheels \
    && /opt/ucdhcp/bin/python -m pip uninstall --quiet --yes pip setuptools \
    && cd /opt/ucdhcp/bin \
    && ln -sf "$(ls python3.* | head -n 1)" python3 \
    && rm -f Activate.ps1 activate activate.csh activate.fish \
    && cp -p python python-frames \
    && setcap cap_net_bind_service=+ep python \
    && setcap cap_net_bind_service,cap_net_raw=+ep python-frames \
    && getcap python | grep -qx 'python cap_net_bind_service=ep' \
    && getcap python-frames | grep -qx 'python-frames cap_net_bind_service,cap_net_raw=ep' \
    && /opt/ucdhcp/bin/ucdhcp --version | grep -x 'ucdhcp .* (compiled)' # not a fallback

COPY container/entrypoint.sh /opt/ucdhcp/bin/ucdhcp-entrypoint
COPY container/healthcheck.py /opt/ucdhcp/bin/ucdhcp-healthcheck
COPY config/ucdhcp.example.toml /usr/share/ucdhcp/ucdhcp.example.toml

# The config is read from /etc/ucdhcp/ucdhcp.toml: mount the directory read-only (a file mount
# would keep the old inode when an editor replaces the file; SIGHUP rereads it:
# `docker kill -s HUP ucdhcp`). UCDHCP_CONFIG tells the health check where it is when the
# command line does not say.
ENV PATH=/opt/ucdhcp/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UCDHCP_CONFIG=/etc/ucdhcp/ucdhcp.toml

USER ${UCDHCP_UID}:${UCDHCP_GID}
WORKDIR /
EXPOSE 67/udp
STOPSIGNAL SIGTERM
# One phone-like DHCPINFORM through the serving process (see container/healthcheck.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/ucdhcp/bin/python3", "/opt/ucdhcp/bin/ucdhcp-healthcheck"]
ENTRYPOINT ["/opt/ucdhcp/bin/ucdhcp-entrypoint"]
CMD ["serve", "-c", "/etc/ucdhcp/ucdhcp.toml"]
