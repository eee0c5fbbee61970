# Sharify's production image.
#   docker build -t sharify-bot .
#
# Nothing in it is fetched unpinned. The base is python:3.13-slim at one exact digest: a tag can be moved, a digest
# cannot. Both FROM lines name the same tag and digest; bump them together, in one commit, to the digest the tag
# points at now (the multi-platform index digest):
#   skopeo inspect docker://docker.io/library/python:3.13-slim --format '{{.Digest}}'
#   (or: docker buildx imagetools inspect python:3.13-slim, its "Digest:" line)
# and let the pipeline's tests run on it. Every Python package comes from a hashed lock (`make lock` writes them):
# pip refuses any file whose hash is not in it.
#
# Two stages: the first installs the runtime lock, then builds the bot's wheel with the build backend from its own
# lock and installs it alone; the second copies the virtual environment onto a clean base with nothing else. The
# image runs as uid 10001 on a read-only root filesystem: the only writable places are the volumes /data (SQLite,
# when no MongoDB URI is set) and /tmp.
FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
WORKDIR /src
# Dependencies first, from the locks alone, so a code-only change reuses this layer. --require-hashes also fails the
# build if a dependency is missing from the lock, rather than fetching it unpinned.
COPY requirements.lock requirements-build.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --requirement requirements.lock \
    && python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --requirement requirements-build.lock
# Then the code: a wheel built without fetching anything (the backend is the locked one above), installed alone
# (pip check fails the build if a dependency is missing). bot/sandbox, the local Discord simulator and Last.fm
# stand-in, is neither in the build context nor in the package.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /tmp/wheels . \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps --no-index /tmp/wheels/sharify-*.whl \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/python -m compileall -q /opt/venv

FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    SHARIFY_DATA_DIR=/data \
    SHARIFY_HEALTH_HOST=0.0.0.0 \
    SHARIFY_HEALTH_PORT=8080 \
    SHARIFY_LOG_FORMAT=json
RUN groupadd --system --gid 10001 sharify \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin sharify \
    && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
VOLUME ["/data", "/tmp"]
EXPOSE 8080
ENTRYPOINT ["python", "-m", "bot", "run"]
