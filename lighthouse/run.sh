#!/usr/bin/env bash
# Lighthouse CI against a real server: `make lighthouse` (and so `make test`) runs this.
#
# Serves the shop with gunicorn on a free port from a throwaway SQLite database and a
# test event whose offers are on sale now, runs `lhci collect`, `lhci assert` (the budgets
# in lighthouserc.json) and `lhci upload` (HTML + JSON reports into lighthouse/reports/),
# then prints the median of every budgeted number per page. Exits non-zero when a budget
# fails. The pages and run count come from lighthouserc.json; only the origin changes
# (LIGHTHOUSE_RUNS=N overrides the run count, CHROME_PATH the browser). Two pages are
# added here, made by walking the server as a buyer (lighthouse/visitor.py): an order
# awaiting its MB WAY payment, and the landing page of a visitor who accepted cookies,
# with a GTM container set (its request is blocked: blockedUrlPatterns).
set -euo pipefail
cd "$(dirname "$0")/.."

RC=lighthouse/lighthouserc.json
REPORTS=lighthouse/reports
PY=.venv/bin/python
LHCI=node_modules/.bin/lhci
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

for need in "$PY" .venv/bin/flask .venv/bin/gunicorn "$LHCI" "$CHROME_PATH"; do
  if [ ! -x "$need" ]; then
    echo "lighthouse: $need is missing (run \`make install\` and \`make browser\`)" >&2
    exit 2
  fi
done

# Hashed front-end files: build them when the manifest is missing or older than a source.
manifest=static/built/manifest.json
if [ ! -f "$manifest" ] || [ -n "$(find static/css static/js node_modules/htmx.org/dist \
    -type f -newer "$manifest" -print -quit 2>/dev/null)" ]; then
  .venv/bin/flask --app wsgi:app assets build
fi
# The landing's link-preview pictures (og:image), drawn from the event file.
if [ ! -f static/built/previews-manifest.json ] \
    || [ app/catalog/event.yaml -nt static/built/previews-manifest.json ]; then
  .venv/bin/flask --app wsgi:app landing previews
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/shop-lighthouse.XXXXXX")"
server_pid=""
collect_pid=""
cleanup() {
  # Lighthouse closes its Chrome on SIGINT; the group signal reaches every run's process.
  if [ -n "$collect_pid" ] && kill -0 "$collect_pid" 2>/dev/null; then
    kill -INT -- "-$collect_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$collect_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$collect_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
origin="http://127.0.0.1:$port"

export APP_ENV=development
export INSTANCE_PATH="$tmp"
export DATABASE_URL="sqlite:///$tmp/lh.db"
export EVENT_DATA_FILE="$tmp/event.yaml"
export MEDIA_DIR="$tmp/media"
export RATELIMIT_ENABLED=false OPEN_ORDERS_LIMIT=1000
# Canonical and hreflang links must point at the origin being audited.
export BASE_URL="$origin"
export HOST=127.0.0.1 PORT="$port"
# One worker (with gunicorn.conf.py's threads): the warm-up below then reaches the process
# that serves Lighthouse, so no run pays for a cold start (Lighthouse's simulation adds the
# observed server time to every request), and the cores are left to Chromium.
export WEB_CONCURRENCY=1
# A container id, so the consented landing page loads GTM as production would (the
# request to Google is blocked in lighthouserc.json: the audit measures our page).
export GTM_ID=GTM-LHAUDIT

"$PY" -c "from pathlib import Path; from tests.support import write_test_event; write_test_event(Path('$tmp/event.yaml'))"
.venv/bin/flask --app wsgi:app db upgrade -d app/migrations >"$tmp/setup.log" 2>&1 \
  || { cat "$tmp/setup.log" >&2; exit 1; }
.venv/bin/flask --app wsgi:app catalog sync >>"$tmp/setup.log" 2>&1 \
  || { cat "$tmp/setup.log" >&2; exit 1; }
# The landing is audited as it is meant to be seen: with a hero and the speakers' photos
# (our own drawings, `flask media samples`), so an image that slows it fails the budget.
.venv/bin/flask --app wsgi:app media samples >>"$tmp/setup.log" 2>&1 \
  || { cat "$tmp/setup.log" >&2; exit 1; }

# The back office's pages are audited as an owner: a session cookie sent with every page.
staff_cookie="$("$PY" lighthouse/staff_cookie.py 2>>"$tmp/setup.log")" \
  || { cat "$tmp/setup.log" >&2; exit 1; }

.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "$origin/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "lighthouse: the server did not start:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS -o /dev/null "$origin/healthz" || { cat "$tmp/server.log" >&2; exit 1; }
# Read the whole page before looking in it: `curl | grep -q` under pipefail fails at random,
# because grep stops reading at the first match and curl then cannot finish writing.
landing_html="$(curl -fsS "$origin/")" || { cat "$tmp/server.log" >&2; exit 1; }
if [[ "$landing_html" != *'<picture class="hero-picture"'* ]]; then
  echo "lighthouse: the landing shows no hero image (flask media samples)" >&2
  exit 1
fi

# The same paths as lighthouserc.json, on this run's origin.
mapfile -t urls < <("$PY" - "$RC" "$origin" <<'EOF'
import json
import sys
from urllib.parse import urlsplit

config = json.load(open(sys.argv[1]))
for url in config["ci"]["collect"]["url"]:
    parts = urlsplit(url)
    print(sys.argv[2] + parts.path + (f"?{parts.query}" if parts.query else ""))
EOF
)
# An order awaiting payment, and a visitor who accepted cookies: made through the forms.
"$PY" lighthouse/visitor.py "$origin" >"$tmp/visitor.txt" 2>>"$tmp/setup.log" \
  || { cat "$tmp/setup.log" >&2; exit 1; }
order_path="$(sed -n 's/^order=//p' "$tmp/visitor.txt")"
consent_cookie="$(sed -n 's/^consent=//p' "$tmp/visitor.txt")"
urls+=("$origin$order_path")
consented_url="$origin/?consent=accepted"
curl -fsS -o /dev/null -H "Cookie: $consent_cookie" "$consented_url" \
  || { echo "lighthouse: $consented_url does not answer" >&2; exit 1; }

url_args=()
for url in "${urls[@]}"; do
  # Fail early and clearly if a page does not answer 200 (Lighthouse would just score it),
  # and warm the templates and caches up.
  for _ in 1 2 3; do
    curl -fsS -o /dev/null -H 'Accept-Encoding: br, gzip' -H "Cookie: $staff_cookie" "$url" \
      || { echo "lighthouse: $url does not answer" >&2; exit 1; }
  done
  url_args+=("--url=$url")
done

rm -rf "$REPORTS"
started=$SECONDS
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
# LIGHTHOUSE_RUNS=1 for a quick look; the budgets are judged on lighthouserc.json's 5 runs.
runs_arg=()
if [ -n "${LIGHTHOUSE_RUNS:-}" ]; then runs_arg=("--numberOfRuns=$LIGHTHOUSE_RUNS"); fi
# In its own process group and waited for in the background, so that a stop (Ctrl-C, a CI
# timeout) reaches the trap at once and the trap can stop Lighthouse and its Chrome too.
setsid --wait "$LHCI" collect --config="$RC" --chromePath="$CHROME_PATH" \
  --settings.extraHeaders="{\"Cookie\": \"$staff_cookie\"}" \
  "${runs_arg[@]}" "${url_args[@]}" &
collect_pid=$!
wait "$collect_pid"
# The landing page again, as a visitor who accepted cookies (one Cookie header per run).
setsid --wait "$LHCI" collect --config="$RC" --chromePath="$CHROME_PATH" --additive \
  --settings.extraHeaders="{\"Cookie\": \"$consent_cookie\"}" \
  "${runs_arg[@]}" "--url=$consented_url" &
collect_pid=$!
wait "$collect_pid"
collect_pid=""
status=0
"$LHCI" assert --config="$RC" || status=$?
"$LHCI" upload --config="$RC" >/dev/null

"$PY" lighthouse/summary.py .lighthouseci "$status" "$load_before"
echo "reports: $REPORTS/ ($((SECONDS - started)) s)"
exit "$status"
