#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and CI (the opendrs-postgres tests read
# OPENDRS_TEST_PG_URL). Loopback only, trust authentication: never use it for real data.
#
#   scripts/pg.sh start DIR         initdb a cluster in DIR (if new), start it on a free loopback
#                                   port, print its admin URL postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/pg.sh stop DIR          stop it (the files stay; `rm -rf DIR` to forget it)
#   scripts/pg.sh url DIR           print the URL of a running cluster
#   scripts/pg.sh createdb URL NAME create database NAME on the cluster at URL
#
# PostgreSQL is found in PATH or /usr/lib/postgresql/*/bin; when missing and we are root, the
# `postgresql` and `postgresql-contrib` packages are installed with apt-get. As root, the server
# runs as the `postgres` OS user (initdb refuses root). fsync is OFF in this cluster: it only ever
# holds test data, and a crash of the machine losing it costs nothing; durability settings of a
# real deployment are the operator's.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return
        fi
    done
    return 1
}

ensure_installed() {
    if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then
        return
    fi
    [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed (initdb not found); install postgresql and postgresql-contrib"
    echo "pg.sh: installing postgresql and postgresql-contrib" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
    find_bin initdb >/dev/null || die "initdb still not found after installing"
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'EOF' 2>/dev/null || shuf -i 20000-60000 -n 1
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

cmd_start() {
    local dir=${1:?usage: pg.sh start DIR}
    ensure_installed
    local initdb pg_ctl
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the postgres OS user"
        chown postgres "$dir"
        # The server must be able to reach DIR through its parents.
        local p=$dir
        while [ "$p" != / ]; do
            p=$(dirname "$p")
            chmod o+x "$p" 2>/dev/null || true
        done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
                --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    if as_owner "$pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        cmd_url "$dir"
        return
    fi
    local port
    port=$(free_port)
    echo "$port" >"$dir/port"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/port"
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null || { tail -n 20 "$dir/server.log" >&2; die "the server did not start"; }
    cmd_url "$dir"
}

cmd_stop() {
    local dir=${1:?usage: pg.sh stop DIR}
    local pg_ctl
    pg_ctl=$(find_bin pg_ctl) || die "pg_ctl not found"
    [ -d "$dir/data" ] || die "no cluster in $dir"
    as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

cmd_url() {
    local dir=${1:?usage: pg.sh url DIR}
    [ -f "$dir/port" ] || die "no cluster started in $dir"
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

cmd_createdb() {
    local url=${1:?usage: pg.sh createdb URL NAME} name=${2:?usage: pg.sh createdb URL NAME}
    local psql
    psql=$(find_bin psql) || die "psql not found"
    "$psql" "$url" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE \"$name\""
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    url) shift; cmd_url "$@" ;;
    createdb) shift; cmd_createdb "$@" ;;
    *) die "usage: pg.sh start DIR | stop DIR | url DIR | createdb URL NAME" ;;
esac
