#!/usr/bin/env bash
# A throwaway PostgreSQL server for the cluster tests: its own data directory and port, on
# loopback only, trusted local connections. Idempotent.
#
#   scripts/postgres.sh start DIR     install the server if missing (Debian package), create a
#                                     data directory in DIR if there is none, start it; prints the
#                                     connection URL on its last line
#   scripts/postgres.sh restart DIR   stop and start it again (the cluster tests use this)
#   scripts/postgres.sh stop DIR      stop it (a server that is not running is fine)
#   scripts/postgres.sh url DIR       the connection URL
#
# The port is chosen at the first start and kept in DIR/port: ORIGAMI_PG_PORT, or the first free
# port from 54329.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|restart|stop|url DIR" >&2
    exit 2
fi
data="$dir/data"

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The port: the one the data directory was started on, else ORIGAMI_PG_PORT, else the first
# free one from 54329 (chosen before the first start only, never while the server runs).
if [[ -f "$dir/port" ]]; then
    port=$(cat "$dir/port")
elif [[ -n "${ORIGAMI_PG_PORT:-}" ]]; then
    port="$ORIGAMI_PG_PORT"
elif [[ -f "$data/postmaster.pid" ]]; then
    port=$(sed -n 4p "$data/postmaster.pid")
else
    port=54329
    while port_in_use "$port"; do
        port=$((port + 1))
        if ((port > 54429)); then echo "postgres.sh: no free port in 54329-54429" >&2; exit 1; fi
    done
fi
url="postgres://postgres@127.0.0.1:$port/postgres"

# The newest installed server's binaries (Debian keeps them out of PATH).
find_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$d" && -x "$d/pg_ctl" ]] && echo "$d"
}

install_server() {
    if find_bin >/dev/null; then return; fi
    echo "postgres.sh: installing the PostgreSQL server (Debian package postgresql)" >&2
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null ||
        { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
    find_bin >/dev/null || { echo "postgres.sh: no pg_ctl after installing postgresql" >&2; exit 1; }
}

# PostgreSQL refuses to run as root: as root, run it as the package's `postgres` user.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_ctl_() {
    as_owner "$(find_bin)/pg_ctl" -D "$data" "$@"
}

start() {
    install_server
    mkdir -p "$dir"
    echo "$port" >"$dir/port"
    if [[ ! -f "$data/PG_VERSION" ]]; then
        rm -rf "$data"
        mkdir -p "$data"
        [[ $(id -u) -eq 0 ]] && chown -R postgres: "$dir"
        as_owner "$(find_bin)/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! pg_ctl_ status >/dev/null 2>&1; then
        # Sockets in the data directory (not /var/run, which may not exist or be writable).
        pg_ctl_ -w -t 60 -l "$data/server.log" \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 -c fsync=off" \
            start >/dev/null || { tail -n 20 "$data/server.log" >&2; exit 1; }
    fi
    echo "$url"
}

stop() {
    if [[ -f "$data/PG_VERSION" ]] && find_bin >/dev/null && pg_ctl_ status >/dev/null 2>&1; then
        pg_ctl_ -w -t 60 -m fast stop >/dev/null
    fi
}

case "$cmd" in
    start) start ;;
    restart) stop; start ;;
    stop) stop ;;
    url) echo "$url" ;;
    *) echo "usage: $0 start|restart|stop|url DIR" >&2; exit 2 ;;
esac
