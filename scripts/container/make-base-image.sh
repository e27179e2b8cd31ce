#!/usr/bin/env bash
# Builds a local stand-in for docker.io/library/python:3.11-slim and imports it into podman.
#
# Why: this machine (and CI) cannot pull from any image registry, but Debian's apt mirror and
# PyPI are reachable. The stand-in is Debian bookworm (minbase) + Debian's python3.11, laid out
# like the official image where it matters to our Dockerfile: `python`, `python3`, `python3.11`
# and `pip` in /usr/local/bin, LANG=C.UTF-8, pip allowed to install (no EXTERNALLY-MANAGED),
# empty apt lists, and the apt/dpkg settings of Debian's official images. It is only used to test the Dockerfile here; Hugging Face builds against the
# real python:3.11-slim.
#
# Idempotent: does nothing when the image already exists and was made by this version of the
# script (FORCE=1 remakes it). The debootstrap root file system is cached in $BASE_CACHE (default
# /var/tmp/bookchat-base), so remaking the image after `podman rmi` only re-imports it (~5 s);
# a fresh debootstrap takes 1-3 min.
#
# Env: IMAGE (tag, default docker.io/library/python:3.11-slim), BASE_CACHE, MIRROR (Debian mirror;
# default: the one in this machine's /etc/apt/sources.list*), FORCE=1.
set -euo pipefail

IMAGE="${IMAGE:-docker.io/library/python:3.11-slim}"
BASE_CACHE="${BASE_CACHE:-/var/tmp/bookchat-base}"
ROOTFS="$BASE_CACHE/rootfs"
STAMP="$BASE_CACHE/rootfs.complete"
# Everything below edits files under $ROOTFS as root: never let it be the host's root.
case "$(realpath -m "$ROOTFS")" in
    / | /usr* | /etc* | /var | /var/lib* | /home | /root) echo "refusing ROOTFS=$ROOTFS" >&2; exit 1 ;;
esac
SUITE=bookworm

log() { echo "[make-base-image] $*"; }
die() { echo "[make-base-image] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, podman storage)"
command -v podman >/dev/null || die "podman is not installed (apt-get install -y podman runc)"

# The stand-in is remade when this script changes: its hash is kept as an image label and in the
# root file system's stamp.
BASE_VERSION=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
LABEL=org.bookchat.base-version

if [ "${FORCE:-0}" != 1 ] && podman image exists "$IMAGE"; then
    have=$(podman image inspect -f "{{index .Labels \"$LABEL\"}}" "$IMAGE" 2>/dev/null || true)
    if [ "$have" = "$BASE_VERSION" ]; then
        log "image $IMAGE ($LABEL=$BASE_VERSION) already exists; skipping (FORCE=1 to rebuild)"
        exit 0
    fi
    log "image $IMAGE was made by another version of this script (${have:-none}); remaking it"
fi

# The Debian mirror this machine's apt uses (deb822 "URIs:" or one-line "deb URL suite ..."),
# skipping the security archive, which debootstrap cannot bootstrap from.
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        {
            grep -E '^[[:space:]]*URIs:' "$f" | awk '{print $2}'
            grep -E '^[[:space:]]*deb[[:space:]]' "$f" | sed -E 's/\[[^]]*\]//' | awk '{print $2}'
        } 2>/dev/null
    done | grep -E '/debian/?$' | grep -v -- '-security' | head -n1
}
MIRROR="${MIRROR:-$(find_mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
MIRROR="${MIRROR%/}"

if [ "${FORCE:-0}" = 1 ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$BASE_VERSION" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
    log "debootstrap $SUITE (minbase) from $MIRROR into $ROOTFS"
    rm -rf "$ROOTFS" "$STAMP"
    mkdir -p "$BASE_CACHE"
    t0=$SECONDS
    debootstrap --variant=minbase \
        --include=ca-certificates,python3.11,python3.11-venv,python3-venv,python3-pip \
        "$SUITE" "$ROOTFS" "$MIRROR" >"$BASE_CACHE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$BASE_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $BASE_CACHE/debootstrap.log)"; }
    log "debootstrap took $((SECONDS - t0)) s"

    # apt sources like the official image (deb822), pointing at the mirror this machine reaches.
    rm -f "$ROOTFS/etc/apt/sources.list"
    cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

    # TLS: the machine's CA bundle, so pip/curl inside builds trust what the host trusts.
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        install -m 0644 /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
    fi

    # pip: only the host's settings that make sense inside a container. The host's pip.conf also
    # has find-links=/opt/wheels and extra-index-url=file:///opt/pypi...: local mirrors that do
    # not exist inside the build and are not needed (PyPI itself is reachable), so they are left out.
    cat >"$ROOTFS/etc/pip.conf" <<'EOF'
[global]
cert = /etc/ssl/certs/ca-certificates.crt
timeout = 180
disable-pip-version-check = true
EOF

    # Layout of the official image: interpreter and pip on /usr/local/bin, pip allowed.
    rm -f "$ROOTFS"/usr/lib/python3.11/EXTERNALLY-MANAGED
    for n in python python3 python3.11; do ln -sf /usr/bin/python3.11 "$ROOTFS/usr/local/bin/$n"; done
    for n in pip pip3 pip3.11; do
        printf '#!/bin/sh\nexec /usr/bin/python3.11 -m pip "$@"\n' >"$ROOTFS/usr/local/bin/$n"
        chmod 0755 "$ROOTFS/usr/local/bin/$n"
    done

    # apt and dpkg set up as in Debian's official images (python:3.11-slim is built on
    # debian:bookworm-slim): apt keeps no package caches, so `rm -rf /var/lib/apt/lists/*` in a
    # Dockerfile is enough, and dpkg installs no docs, man pages or translations. Without this,
    # a layer that runs apt would be ~130 MB larger here than on Hugging Face.
    cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'APTCONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APTCONF
    echo 'Acquire::Languages "none";' >"$ROOTFS/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$ROOTFS/etc/apt/apt.conf.d/docker-autoremove-suggests"
    mkdir -p "$ROOTFS/etc/dpkg/dpkg.cfg.d"
    cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" <<'DPKGCONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/all_languages
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
DPKGCONF

    # Slim like the official image: no apt lists or caches, docs, man pages or translations.
    find "$ROOTFS/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name all_languages ! -name locale.alias \
        -exec rm -rf {} +
    find "$ROOTFS/usr/lib/python3" "$ROOTFS/usr/lib/python3.11" -depth -name __pycache__ -type d \
        -exec rm -rf {} +
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/archives/*.deb \
        "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
        "$ROOTFS"/usr/share/groff/* "$ROOTFS"/usr/share/lintian/* "$ROOTFS"/var/log/*.log \
        "$ROOTFS"/root/.cache
    # Leftovers of the host inside the chroot that must not end up in the image.
    : >"$ROOTFS/etc/resolv.conf"
    echo "localhost" >"$ROOTFS/etc/hostname"
    # Smoke test in the root file system itself (no container runtime needed).
    chroot "$ROOTFS" /usr/local/bin/python -c \
        'import sys, ssl, venv, ensurepip, pip; print("python", sys.version.split()[0], "pip", pip.__version__)' \
        || die "python in the new root file system does not work"
    echo "$BASE_VERSION" >"$STAMP"
else
    log "reusing cached root file system $ROOTFS"
fi

log "importing into podman as $IMAGE"
t0=$SECONDS
podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
tar -C "$ROOTFS" --numeric-owner -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PYTHON_VERSION=3.11' \
    --change 'CMD ["python3"]' \
    --change "LABEL $LABEL=$BASE_VERSION" \
    - "$IMAGE" >/dev/null
log "import took $((SECONDS - t0)) s"
podman image ls "$IMAGE"
