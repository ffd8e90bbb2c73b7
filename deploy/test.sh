#!/usr/bin/env bash
# The test command of shoubao (the README's, and what .ci/run calls).
#
# It makes sure the real services the integration tests talk to are there,
# installing them from Debian packages and starting them when they are not:
#   PostgreSQL   127.0.0.1:5432 (trust auth, database "test"), or a private
#                cluster it starts on 127.0.0.1:55432
#   NATS         with JetStream on 127.0.0.1:4222
#   Dovecot      dovecot-imapd and dovecot-lmtpd (the tests start their own
#                unprivileged instance, with an LMTP listener for Postfix)
#   Postfix      the MTA the tests of sinks/mailout send through (they start
#                their own instance; the package's is left unconfigured)
#   ffmpeg       ffprobe is the reference the video parser is checked against
#   poppler      pdftotext reads PDF notices (campaign import)
#   LibreOffice  libreoffice-calc (soffice) opens the exported .xlsx files; 7-Zip
#                (p7zip-full) and unzip list and extract the exported zip
#   Chromium     the officers' console's browser test drives it headless
#                (chromium, and fonts-noto-cjk so that its screenshots show
#                Chinese)
# then runs go vet and every test (with the race detector), with
# SHOUBAO_REQUIRE_SERVICES=1 so that a
# missing service fails the run instead of skipping tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.2; done
  return 1
}

command -v go >/dev/null || { echo "go is not installed (expected at /usr/local/go)" >&2; exit 1; }

# --- PostgreSQL -------------------------------------------------------------
PGURL="${SHOUBAO_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
pg_ok() { psql "$1" -qtAc 'select 1' >/dev/null 2>&1; }
if ! pg_ok "$PGURL"; then
  command -v psql >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql postgresql-client
  if ! port_open 5432 && command -v pg_ctlcluster >/dev/null; then
    for v in $(ls /etc/postgresql 2>/dev/null); do
      log "starting PostgreSQL $v"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
    done
    wait_port 5432 || true
  fi
  if port_open 5432 && ! pg_ok "$PGURL"; then
    # Running, but without the test database: create it if we may.
    psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -qc 'CREATE DATABASE test' >/dev/null 2>&1 || true
  fi
fi
if ! pg_ok "$PGURL"; then
  # A private trust-auth cluster for the tests, owned by the postgres user.
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGDIR=/tmp/shoubao-test-pg
  if [ ! -f "$PGDIR/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $PGDIR"
    mkdir -p "$PGDIR"
    if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; RUNPG="runuser -u postgres --"; else RUNPG=""; fi
    $RUNPG "$PGBIN/initdb" -D "$PGDIR" -A trust -U postgres >/dev/null
  fi
  [ "$(id -u)" = 0 ] && RUNPG="runuser -u postgres --" || RUNPG=""
  port_open 55432 || $RUNPG "$PGBIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/log" -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
  psql "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable" -qc 'CREATE DATABASE test' >/dev/null 2>&1 || true
  PGURL="postgres://postgres@127.0.0.1:55432/test?sslmode=disable"
  pg_ok "$PGURL" || { echo "PostgreSQL could not be started" >&2; exit 1; }
fi
export SHOUBAO_TEST_DATABASE_URL="$PGURL"
log "PostgreSQL: $PGURL"

# --- NATS with JetStream ----------------------------------------------------
NATSURL="${SHOUBAO_TEST_NATS_URL:-nats://127.0.0.1:4222}"
if [ -z "${SHOUBAO_TEST_NATS_URL:-}" ] && ! port_open 4222; then
  command -v nats-server >/dev/null || apt_install nats-server
  log "starting nats-server with JetStream on 127.0.0.1:4222"
  mkdir -p /tmp/shoubao-test-nats
  if command -v start-stop-daemon >/dev/null; then
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
      -a 127.0.0.1 -p 4222 -js -sd /tmp/shoubao-test-nats -l /tmp/shoubao-test-nats/server.log
  else
    nohup nats-server -a 127.0.0.1 -p 4222 -js -sd /tmp/shoubao-test-nats >/tmp/shoubao-test-nats/server.log 2>&1 &
  fi
  wait_port 4222 || { echo "nats-server did not start" >&2; exit 1; }
fi
export SHOUBAO_TEST_NATS_URL="$NATSURL"
log "NATS: $NATSURL"

# --- Dovecot, Postfix, ffmpeg, poppler -------------------------------------------
need=()
command -v dovecot >/dev/null || need+=(dovecot-imapd)
[ -x /usr/lib/dovecot/lmtp ] || [ -x /usr/libexec/dovecot/lmtp ] || need+=(dovecot-lmtpd)
new_postfix=""
if ! command -v postfix >/dev/null && [ ! -x /usr/sbin/postfix ]; then
  # "No configuration": no /etc/postfix/main.cf, so the package's own
  # instance does not start and never binds port 25; the tests run theirs
  # with a configuration of their own.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  need+=(postfix)
  new_postfix=1
fi
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v pdftotext >/dev/null || need+=(poppler-utils)
# The worker tests restart a nats-server of their own.
command -v nats-server >/dev/null || need+=(nats-server)
# deploy's tests check compose.yaml with docker-compose (no docker daemon needed).
command -v docker-compose >/dev/null || need+=(docker-compose)
# The readers of the exports (pipeline/export): LibreOffice Calc alone, without
# its recommends, is about 55 packages (20 s here, apt-get update included).
command -v soffice >/dev/null || need+=(libreoffice-calc)
command -v 7z >/dev/null || need+=(p7zip-full)
command -v unzip >/dev/null || need+=(unzip)
# The console's browser test (pipeline/console): Chromium headless, and a CJK
# font for its screenshots.
command -v chromium >/dev/null || need+=(chromium)
{ dpkg -s fonts-noto-cjk >/dev/null 2>&1 || fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; } || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
if [ -n "$new_postfix" ] && $SUDO postfix status >/dev/null 2>&1; then
  log "stopping the Postfix instance the package started"
  $SUDO postfix stop >/dev/null 2>&1 || true
fi

export SHOUBAO_REQUIRE_SERVICES=1
log "go vet"
go vet ./...
log "go test"
# The chaos suite (pipeline/chaos) leaves its figures here; go test hides a
# passing package's output, so they are printed after the run.
export SHOUBAO_CHAOS_FIGURES="${TMPDIR:-/tmp}/shoubao-chaos-figures.txt"
rm -f "$SHOUBAO_CHAOS_FIGURES"
status=0
go test -race -count=1 -timeout 40m "$@" ./... || status=$?
[ -s "$SHOUBAO_CHAOS_FIGURES" ] && log "$(cat "$SHOUBAO_CHAOS_FIGURES")"
exit $status
