#!/bin/sh
# compose.yaml's PostgreSQL, on its first start (docker-entrypoint-initdb.d): the runtime role the daemon
# and the web app log in as. The image's POSTGRES_USER (robot_owner) owns the database and runs the
# migrations; `robot db upgrade` then grants the runtime role only what robot/queue/grants.py lists.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v runtime_password="$ROBOT_RUNTIME_PASSWORD" -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE robot LOGIN PASSWORD :'runtime_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO robot;
SQL
