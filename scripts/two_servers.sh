#!/usr/bin/env bash
# Two HomeCure app servers behind nginx, sharing one PostgreSQL database, one Redis and one
# private-files directory, and the checks that they behave as one site:
#   1. a user logged in through one server stays logged in through the other;
#   2. a system setting changed through one server is seen by the other at once;
#   3. 20 concurrent bookings of one free time, spread over both servers, make exactly one booking;
#   4. a document uploaded through one server downloads through the other.
#
#   scripts/two_servers.sh            # needs PostgreSQL, Redis, nginx (apt-get install nginx)
#
# Settings (environment): PG_URL (server, default postgres://postgres@127.0.0.1:5432), DB_NAME
# (recreated on each run, default homecure_two_servers), REDIS_URL (default redis://127.0.0.1:6379/3),
# ports APP_PORT_A, APP_PORT_B and NGINX_PORT (8801, 8802, 8800). Everything listens on 127.0.0.1
# only and everything it started is stopped when it ends, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${DB_NAME:-homecure_two_servers}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
APP_PORT_A=${APP_PORT_A:-8801}
APP_PORT_B=${APP_PORT_B:-8802}
NGINX_PORT=${NGINX_PORT:-8800}
PYTHON=.venv/bin/python

for tool in nginx psql redis-cli; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install nginx postgresql-client redis-tools)" >&2; exit 1; }
done
redis-cli -u "$REDIS_URL" ping >/dev/null || { echo "no Redis answers at $REDIS_URL" >&2; exit 1; }

work=$(mktemp -d /tmp/homecure-two-servers.XXXXXX)
pids=()
nginx_started=""
cleanup() {
    set +e
    if [ -n "$nginx_started" ]; then
        nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -s stop 2>/dev/null
    fi
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The environment both servers share: DEBUG off, one database, one Redis (cache and sessions),
# one private-files directory, a shared secret key.
export DATABASE_URL="$PG_URL/$DB_NAME"
export CACHE_URL="$REDIS_URL"
export PRIVATE_MEDIA_ROOT="$work/private_media"
export STATIC_ROOT="$work/static"
export SECRET_KEY
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export SECURE_HSTS_SECONDS=0 LOG_LEVEL=WARNING TRUSTED_PROXY_COUNT=0

echo "== database $DB_NAME (recreated), demo data, static files =="
psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"
redis-cli -u "$REDIS_URL" flushdb >/dev/null
DEBUG=1 $PYTHON manage.py migrate --noinput -v 0
DEBUG=1 $PYTHON manage.py seed_demo >/dev/null
DEBUG=1 $PYTHON manage.py shell -c "
from accounts.models import User
from technicians.models import ServiceArea
camden = ServiceArea.objects.get(slug='camden')
for i in range(20):
    User.objects.create_user(email=f'race{i:02d}@homecure.example', password='homecure-demo-2026',
                             first_name='Race', last_name=f'Patient {i:02d}', area=camden, address=f'{i + 1} Camden Road')
"
$PYTHON manage.py collectstatic --noinput -v 0

echo "== two app servers on :$APP_PORT_A and :$APP_PORT_B =="
for port in "$APP_PORT_A" "$APP_PORT_B"; do
    .venv/bin/gunicorn homecure.wsgi --bind "127.0.0.1:$port" --workers 2 --timeout 60 \
        >"$work/gunicorn-$port.log" 2>&1 &
    pids+=("$!")
done

echo "== nginx on :$NGINX_PORT, balancing between them =="
mkdir -p "$work/nginx" "$PRIVATE_MEDIA_ROOT"
chmod 0777 "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    upstream homecure {
        server 127.0.0.1:$APP_PORT_A;
        server 127.0.0.1:$APP_PORT_B;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        client_max_body_size 12m;
        location / {
            proxy_pass http://homecure;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # Which app server answered: the checks show that requests really alternate.
            add_header X-Upstream \$upstream_addr always;
        }
    }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
nginx_started=1

echo "== checks =="
timeout 300 $PYTHON scripts/two_servers_check.py \
    --server-a "127.0.0.1:$APP_PORT_A" --server-b "127.0.0.1:$APP_PORT_B" --balancer "127.0.0.1:$NGINX_PORT"
