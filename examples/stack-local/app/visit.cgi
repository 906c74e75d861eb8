#!/bin/bash
# One visit: a row in PostgreSQL (DATABASE_URL) and a counter in Redis
# (REDIS_URL), both totals back as text. Both URLs come from `voodu
# pg:link` and `voodu redis:link`; a missing one is said, not guessed.
set -uo pipefail
printf 'Content-Type: text/plain\r\n\r\n'
if [[ -z ${DATABASE_URL:-} || -z ${REDIS_URL:-} ]]; then
  echo "not linked yet (DATABASE_URL: ${DATABASE_URL:+set}, REDIS_URL: ${REDIS_URL:+set}); run voodu pg:link and voodu redis:link"
  exit 0
fi

# Notices ("relation already exists, skipping") are not answers.
rows=$(PGOPTIONS='-c client_min_messages=warning' psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 \
  -c 'CREATE TABLE IF NOT EXISTS visits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())' \
  -c 'INSERT INTO visits DEFAULT VALUES' \
  -c 'SELECT count(*) FROM visits' 2>&1) || { echo "postgres: $rows"; exit 0; }

# redis://<user>:<password>@<host>:<port>[/db], spoken to over bash's /dev/tcp.
rest=${REDIS_URL#redis://}
auth=${rest%%@*}
addr=${rest#*@}
addr=${addr%%/*}
host=${addr%:*}
port=${addr##*:}
if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "redis: cannot connect to $host:$port"
  exit 0
fi
printf 'AUTH %s %s\r\nINCR visits\r\nQUIT\r\n' "${auth%%:*}" "${auth#*:}" >&3
count=$(tr -d '\r' <&3 | sed -n 's/^://p' | head -1)
exec 3<&-

echo "visits in postgres: $rows"
echo "visits in redis: ${count:-error}"
echo "served by: ${VOODU_REPLICA_ID:-?}"
