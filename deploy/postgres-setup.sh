#!/usr/bin/env bash
# Creates shoubao's PostgreSQL role and database, and prints the store URL
# (store.url, or SHOUBAO_DATABASE_URL in /etc/shoubao/secrets.env) on
# standard output; everything else goes to standard error.
#
#   sudo deploy/postgres-setup.sh --host db.example.internal
#
# It may be run again at any time: what exists is kept (the database, its
# tables, the role), the role's password is set to the same value again, and
# the same URL is printed.
#
# The password comes from SHOUBAO_PG_PASSWORD when set, else from the password
# file (default /etc/shoubao/postgres-password, mode 0600), which the first run
# writes with a new random password. shoubao's tables are created by shoubao
# itself at its first start (numbered migrations).
#
# Options:
#   --admin CONNINFO      how psql reaches PostgreSQL as a superuser, e.g.
#                         "host=db user=postgres" (with PGPASSWORD) or a
#                         postgres:// URL. Default: run as root, psql as the
#                         postgres user over the local socket (peer auth).
#   --role NAME           default shoubao
#   --database NAME       default shoubao
#   --host HOST           the server's name as the shoubao hosts reach it,
#                         written in the URL (default: this host's name)
#   --port PORT           default 5432
#   --sslmode MODE        written in the URL: require (default), verify-full,
#                         disable (same host or a private network only)…
#   --password-file FILE  where the password is kept (see above)
#   --new-password        set a new random password (and write it to the file)
set -euo pipefail

log() { printf 'postgres-setup: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

admin="" role=shoubao database=shoubao host="" port=5432 sslmode=require
pwfile=/etc/shoubao/postgres-password new=""
while [ $# -gt 0 ]; do
  case "$1" in
    --admin) admin="${2?--admin needs a value}"; shift 2 ;;
    --role) role="${2?--role needs a value}"; shift 2 ;;
    --database) database="${2?--database needs a value}"; shift 2 ;;
    --host) host="${2?--host needs a value}"; shift 2 ;;
    --port) port="${2?--port needs a value}"; shift 2 ;;
    --sslmode) sslmode="${2?--sslmode needs a value}"; shift 2 ;;
    --password-file) pwfile="${2?--password-file needs a value}"; shift 2 ;;
    --new-password) new=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$host" ] || host=$(hostname -f 2>/dev/null || hostname)
# Names go into SQL quoted by PostgreSQL (format %I), but keep them plain so
# that the URL needs no escaping either.
for n in "$role" "$database"; do
  [[ "$n" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$n: a role or database name must be lower-case letters, digits and _"
done

psql_admin() {
  if [ -n "$admin" ]; then
    psql -X -q -v ON_ERROR_STOP=1 -d "$admin" "$@"
  elif [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@")
  else
    psql -X -q -v ON_ERROR_STOP=1 "$@"
  fi
}

# Percent-encodes a URL's user information.
urlencode() {
  local LC_ALL=C s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9._~-]) out+="$c" ;;
      *) printf -v c '%%%02X' "'$c"; out+="$c" ;;
    esac
  done
  printf '%s' "$out"
}

psql_admin -tAc 'select 1' >/dev/null || die "cannot reach PostgreSQL as a superuser (see --admin)"
exists=$(psql_admin -tA -v role="$role" <<'SQL'
select count(*) from pg_roles where rolname = :'role';
SQL
)

password="${SHOUBAO_PG_PASSWORD:-}"
if [ -z "$password" ]; then
  if [ -z "$new" ] && [ -s "$pwfile" ]; then
    password=$(head -n 1 "$pwfile")
  elif [ -z "$new" ] && [ "$exists" = 1 ]; then
    die "role $role exists but its password is not in $pwfile: set SHOUBAO_PG_PASSWORD, give --password-file, or --new-password to set a new one (shoubao then needs the new URL)"
  else
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    mkdir -p "$(dirname "$pwfile")"
    (umask 077 && printf '%s\n' "$password" >"$pwfile.tmp" && mv "$pwfile.tmp" "$pwfile")
    log "new password written to $pwfile"
  fi
fi

# The role: login only, no other power. The password goes in as a psql
# variable, never on a command line.
psql_admin -v role="$role" -v pw="$password" <<'SQL'
select format('create role %I', :'role') where not exists (select from pg_roles where rolname = :'role') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole noreplication password %L', :'role', :'pw') \gexec
SQL

# The database, owned by the role; other roles may not connect to it.
psql_admin -v role="$role" -v db="$database" <<'SQL'
select format('create database %I owner %I encoding ''UTF8'' template template0', :'db', :'role')
  where not exists (select from pg_database where datname = :'db') \gexec
select format('alter database %I owner to %I', :'db', :'role') \gexec
select format('revoke all on database %I from public', :'db') \gexec
SQL
[ "$exists" = 1 ] && log "role $role existed; password set again" || log "role $role created"
log "database $database is ready (owner $role)"
log "put the URL below in /etc/shoubao/secrets.env as SHOUBAO_DATABASE_URL=… on every shoubao host"
log "(and let those hosts in: pg_hba.conf \"hostssl $database $role ADDRESS/MASK scram-sha-256\", listen_addresses)"

url="postgres://$(urlencode "$role"):$(urlencode "$password")@$host:$port/$database?sslmode=$sslmode"
printf '%s\n' "$url"
