#!/usr/bin/env bash
# The external-link check's cache, measured: a generated site whose articles link
# URLS distinct pages of an HTTP server this script starts on 127.0.0.1 (no other
# network), checked twice with `inkproof check --external`. The first run requests
# every URL; the second should answer all of them from
# `.inkproof-cache/external-links.json`. Prints each run's note (links, URLs,
# cache hits, requests, time in the check) and the wall time of the whole command.
#
#   benches/external-cache.sh                        # 20 articles x 10 links
#   ARTICLES=50 LINKS=20 DELAY_MS=100 benches/external-cache.sh
#
# Knobs (environment):
#   ARTICLES=20  LINKS=10      articles, distinct links per article
#   DELAY_MS=50                 server think time per request (a real site's latency)
#   BIN=target/release/inkproof the binary (built with `cargo build --release` if missing)
#   WORK=/tmp/inkproof-external-cache   site folder (never the repo)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
ARTICLES="${ARTICLES:-20}"
LINKS="${LINKS:-10}"
DELAY_MS="${DELAY_MS:-50}"
BIN="${BIN:-$REPO/target/release/inkproof}"
WORK="${WORK:-/tmp/inkproof-external-cache}"

if [ ! -x "$BIN" ]; then
  (cd "$REPO" && cargo build --release)
fi

rm -rf "$WORK"
mkdir -p "$WORK/site/content"

# A loopback server: every path answers 200 with a small HTML page after DELAY_MS.
# It picks a free port and writes it to a file, so runs never collide.
cat > "$WORK/server.py" <<'PY'
import http.server, sys, time
delay = int(sys.argv[1]) / 1000
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(delay)
        body = b'<!doctype html><html><body><h2 id="setup">Setup</h2></body></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
rm -f "$WORK/port"
timeout 900 python3 "$WORK/server.py" "$DELAY_MS" "$WORK/port" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT="$(cat "$WORK/port")"

printf 'description: Generated guides that link out.\n' > "$WORK/site/inkproof.yaml"
for a in $(seq "$ARTICLES"); do
  f="$WORK/site/content/guide-$a.md"
  printf -- '---\ntitle: Guide %s\ndate: 2024-01-01\ndescription: "Generated guide number %s, which links to pages on a local server."\n---\n\n' "$a" "$a" > "$f"
  for l in $(seq "$LINKS"); do
    printf -- '- [page %s](http://127.0.0.1:%s/a%s/p%s#setup)\n' "$l" "$PORT" "$a" "$l" >> "$f"
  done
done

for run in first second; do
  start=$(date +%s.%N)
  note=$("$BIN" --root "$WORK/site" check --external --format short 2>&1 | grep 'external links' || true)
  end=$(date +%s.%N)
  printf '%s run: %s; whole command %.2f s\n' "$run" "${note#note: }" "$(awk "BEGIN{print $end - $start}")"
done
