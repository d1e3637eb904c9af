# bistandsrobot: the daemon in a small image, running as a non-root user.
#   docker build -t bistandsrobot .
#   docker run --rm -v robot-data:/data -e ROBOT_STICKPROV_KEY=... bistandsrobot db upgrade
#   docker run -d  -v robot-data:/data -e ROBOT_STICKPROV_KEY=... -e ROBOT_SSBTEK_URL=... bistandsrobot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ROBOT_DATA_DIR=/data \
    ROBOT_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
# rules/ before the install: robot/rules links to it, and the package ships it as its default rules.
COPY rules ./rules
COPY robot ./robot
RUN pip install '.[postgres]'
COPY config ./config

RUN useradd --system --uid 10001 --no-create-home --home-dir /app robot \
    && mkdir -p /data \
    && chown robot /data
USER robot
VOLUME /data

STOPSIGNAL SIGTERM
ENTRYPOINT ["robot"]
CMD ["run"]
