# syntax=docker/dockerfile:1
# Sharify's production image. Build: docker build -t sharify-bot .
#
# Two stages: the first installs the runtime dependencies (pinned by requirements.lock, used only as constraints, so
# the dev tools it also pins are never installed), then the bot, into a virtual environment; the second copies that
# environment onto a clean base with nothing else. The image runs as uid 10001 on a read-only root filesystem:
# the only writable places are the volumes /data (SQLite, when no MongoDB URI is set) and /tmp.

FROM python:3.13-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so a code-only change reuses this layer: the runtime requirements named in pyproject.toml,
# pinned by the lock.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -c requirements.lock -r /tmp/requirements.txt
# Then the code, installed alone (its dependencies are all there: pip check fails the build otherwise). bot/sandbox,
# the local Discord simulator and Last.fm stand-in, is neither in the build context nor in the package.
COPY README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
RUN pip install --no-cache-dir --no-deps -c requirements.lock . \
    && pip check \
    && python -m compileall -q /opt/venv

FROM python:3.13-slim
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
