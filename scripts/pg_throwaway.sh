#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests. Source it, then: trap pg_stop EXIT
# Exports PGHOST, PGPORT, PGUSER, PGDATABASE and TEST_DATABASE_URL.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=${PGPORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
PGTMP=$(mktemp -d /tmp/pgci.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGTMP"; AS_PG=(runuser -u postgres --); else AS_PG=(); fi
# UTF8 with the C.UTF-8 locale: plain --no-locale makes a SQL_ASCII cluster (psycopg then returns
# bytes), and a C ctype would make lower() fold A-Z only (accented name search).
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log"
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 30 start \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
"${AS_PG[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres achilles_test
export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=achilles_test
export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/achilles_test"
pg_stop() { "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$PGTMP"; }
