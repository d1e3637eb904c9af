# bistandsrobot: a small image that runs as a non-root user; the rules are data in /app/rules.
#   docker build -t bistandsrobot .
#   docker compose up -d            # PostgreSQL, the migration, the daemon and the web app (compose.yaml)
# Two stages: wheels are built where the build tools are; the final image has only what runs.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
# rules/ before the build: robot/rules links to it, and the package ships it as its default rules.
COPY rules ./rules
COPY robot ./robot
RUN pip wheel --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ROBOT_DATA_DIR=/data \
    ROBOT_RULES_DIR=/app/rules \
    ROBOT_CONFIG=/app/config/robot.toml \
    ROBOT_LOG_FORMAT=json \
    ROBOT_HTTP_HOST=0.0.0.0
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels 'bistandsrobot[postgres]' \
    && useradd --system --uid 10001 --no-create-home --home-dir /app robot \
    && mkdir -p /data && chown robot /data && chmod 0700 /data
WORKDIR /app
# The rules as data: verksamheten's folder, replaceable by a read-only mount (-v ./rules:/app/rules:ro)
# without a new image; `robot rules check` validates a folder before it is used.
COPY rules ./rules
COPY config ./config
USER robot
VOLUME /data
# /metrics, /healthz, /readyz of `robot run`; the web app of `robot web`
EXPOSE 9108 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["robot"]
CMD ["run"]
