#!/usr/bin/env bash
# Runs a real nginx (Debian's nginx-light) with the shipped deploy/nginx/share-relay.conf in front
# of a real `share-relay serve`, and streams a session through it with Python `websockets`:
# presenter ready, share created over the presenter's RPC, viewer hello, 50 events in order,
# POST /rpc (shareList shows the viewer), revokeShare closing the viewer with 4403, /healthz,
# /readyz, the port-80 redirect to https, that the relay (trustedProxies 127.0.0.1) logs the viewer
# under the address nginx forwarded (the viewer connects from 127.0.0.2), and (through a second
# copy of the site in front of a header echo) the X-Real-IP / X-Forwarded-For / X-Forwarded-Proto /
# Host headers nginx sends upstream.
#
# The shipped file is the thing under test: only the upstream address, the listen ports (free
# loopback ports instead of 80/443) and the certificate paths (a throwaway self-signed
# certificate) are rewritten. nginx runs as a foreground child with its own prefix; no system
# service is touched.
#
# Needs: a debug build of share-relay (`swift build --product share-relay`), Python with
# websockets in SHARE_RELAY_TEST_PYTHON (scripts/test.sh sets it), nginx-light and openssl
# (installed with apt-get when missing). Ends with "nginx: N passed, N failed"; exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

site=deploy/nginx/share-relay.conf
python="${SHARE_RELAY_TEST_PYTHON:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/test-venv/bin/python}"
relay_bin="${SHARE_RELAY_BIN:-$(swift build --show-bin-path)/share-relay}"

work=$(mktemp -d)
relay_pid=""
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { printf 'nginx-test: %s\n' "$*" >&2; echo "nginx: 0 passed, 1 failed"; exit 1; }

[ -x "$relay_bin" ] || die "no share-relay binary at $relay_bin (run: swift build --product share-relay)"
"$python" -c 'import websockets' 2>/dev/null || die "$python has no websockets (set SHARE_RELAY_TEST_PYTHON)"

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
relay_port=$(free_port)
http_port=$(free_port)
https_port=$(free_port)
echo_port=$(free_port)
echo_http_port=$(free_port)
echo_https_port=$(free_port)
owner_key="nginx-test-owner-key-$RANDOM$RANDOM"

# --- the relay ---------------------------------------------------------------------------------
mkdir -p "$work/data" "$work/nginx/logs" "$work/nginx/tls" "$work/nginx/tmp"
# nginx connects from 127.0.0.1: trusting it makes the relay read the forwarded client address.
SHARE_RELAY_OWNER_KEY="$owner_key" SHARE_RELAY_TRUSTED_PROXIES=127.0.0.1 "$relay_bin" serve \
    --listen "127.0.0.1:$relay_port" --data-dir "$work/data" --web-dir "$work/data" >"$work/relay.log" 2>&1 &
relay_pid=$!

# --- nginx with the shipped site ---------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=relay.example.org -addext subjectAltName=DNS:relay.example.org \
    -keyout "$work/nginx/tls/privkey.pem" -out "$work/nginx/tls/fullchain.pem" 2>/dev/null
for line in 'server 127.0.0.1:8080;' 'listen 80;' 'listen 443 ssl;' \
            'ssl_certificate     /etc/letsencrypt/live/relay.example.org/fullchain.pem;'; do
    grep -qF "$line" "$site" || die "$site no longer has '$line'; update this test's rewrites"
done
sed -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$relay_port;#" \
    -e "s#listen 80;#listen 127.0.0.1:$http_port;#" \
    -e "s#listen 443 ssl;#listen 127.0.0.1:$https_port ssl;#" \
    -e '/listen \[::\]:/d' \
    -e "s#/etc/letsencrypt/live/relay.example.org/#$work/nginx/tls/#" \
    "$site" >"$work/nginx/share-relay.conf"
# A second copy of the same site (names changed so both fit in one http {}) in front of a header
# echo server: this is where we see everything the shipped proxy settings send upstream.
sed -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$echo_port;#" \
    -e "s#listen 80;#listen 127.0.0.1:$echo_http_port;#" \
    -e "s#listen 443 ssl;#listen 127.0.0.1:$echo_https_port ssl;#" \
    -e '/listen \[::\]:/d' \
    -e "s#/etc/letsencrypt/live/relay.example.org/#$work/nginx/tls/#" \
    -e 's#share_relay_connection#echo_connection#g' \
    -e 's#upstream share_relay #upstream echo_upstream #' \
    -e 's#proxy_pass http://share_relay;#proxy_pass http://echo_upstream;#' \
    "$site" >"$work/nginx/echo.conf"
cat >"$work/nginx/nginx.conf" <<NGINX
daemon off;
error_log $work/nginx/logs/error.log notice;
pid $work/nginx/nginx.pid;
events {}
http {
    access_log $work/nginx/logs/access.log;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/share-relay.conf;
    include $work/nginx/echo.conf;
}
NGINX
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
nginx_pid=$!

# --- the client --------------------------------------------------------------------------------
set +e
timeout 90 "$python" - "$http_port" "$https_port" "$owner_key" "$work/nginx/tls/fullchain.pem" \
    "$echo_port" "$echo_https_port" \
    >"$work/client.out" 2>&1 <<'PY'
import asyncio, http.client, http.server, json, socket, ssl, sys, threading, time
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

http_port, https_port, owner_key, ca_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
echo_port, echo_https_port = int(sys.argv[5]), int(sys.argv[6])
host = "relay.example.org"
tls = ssl.create_default_context(cafile=ca_file)
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")
    return ok

class HeaderEcho(http.server.BaseHTTPRequestHandler):
    """Answers any GET with the request's headers as JSON (the upstream of the echo copy)."""
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = json.dumps({name.lower(): value for name, value in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

echo_server = http.server.ThreadingHTTPServer(("127.0.0.1", echo_port), HeaderEcho)
echo_server.daemon_threads = True
threading.Thread(target=echo_server.serve_forever, daemon=True).start()

def https(method, path, body=None, headers=None, port=None):
    """One HTTPS request to nginx (SNI and Host relay.example.org) on a fresh connection."""
    port = port or https_port
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    # Connect to the loopback address but send SNI relay.example.org; request() reuses this socket.
    connection.sock = tls.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                                      server_hostname=host)
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()

def rpc(method, params, request_id=1):
    status, _, body = https("POST", "/rpc",
                            body=json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}),
                            headers={"Authorization": f"Bearer {owner_key}", "Content-Type": "application/json"})
    return status, json.loads(body) if body else None

def wait_until_up():
    deadline = time.monotonic() + 30
    last = None
    while time.monotonic() < deadline:
        try:
            status, _, _ = https("GET", "/healthz")
            if status == 200:
                return True
            last = f"HTTP {status}"
        except OSError as error:
            last = repr(error)
        time.sleep(0.2)
    print(f"relay not reachable through nginx in 30 s: {last}")
    return False

async def recv_json(socket_, timeout=10):
    return json.loads(await asyncio.wait_for(socket_.recv(), timeout))

async def session():
    uri = f"wss://127.0.0.1:{https_port}"
    common = dict(ssl=tls, server_hostname=host, subprotocols=["share-relay.v1"], open_timeout=10,
                  close_timeout=5)
    async with connect(f"{uri}/v1/sessions/x/publish",
                       additional_headers={"Authorization": f"Bearer {owner_key}"}, **common) as presenter:
        ready = await recv_json(presenter)
        check("presenter gets ready through nginx", ready.get("type") == "ready" and ready.get("sessionId") == "x", ready)
        check("subprotocol share-relay.v1 negotiated through nginx", presenter.subprotocol == "share-relay.v1", presenter.subprotocol)

        await presenter.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.share", "params": {"expires_in": 600}}))
        answer = await recv_json(presenter)
        while answer.get("id") != 1:          # skip presence/viewer notices, if any
            answer = await recv_json(presenter)
        token = (answer.get("result") or {}).get("shareToken", "")
        if not check("session.share over the presenter socket", token.startswith("clw_share_"), answer):
            return

        # From 127.0.0.2: nginx forwards that address, and the relay, trusting nginx, logs it.
        async with connect(f"{uri}/v1/view", additional_headers={"Authorization": f"Bearer {token}"},
                           local_addr=("127.0.0.2", 0), **common) as viewer:
            hello = await recv_json(viewer)
            check("viewer gets hello through nginx", hello.get("type") == "hello" and hello.get("sessionId") == "x", hello)

            for n in range(1, 51):
                await presenter.send(json.dumps({"n": n, "text": f"event {n}"}))
            received = []
            try:
                while len(received) < 50:
                    message = await recv_json(viewer)
                    if message.get("type") == "event":
                        received.append(message)
            except (asyncio.TimeoutError, ConnectionClosed) as error:
                print(f"     stopped after {len(received)} events: {error!r}")
            numbers = [m["data"]["n"] for m in received]
            seqs = [m["seq"] for m in received]
            check("50 events arrive in order through nginx",
                  numbers == list(range(1, 51)) and seqs == sorted(seqs) and len(set(seqs)) == 50,
                  f"got {numbers[:5]}... ({len(numbers)})")

            status, listing = rpc("session.shareList", {"session_id": "x"}, 2)
            shares = ((listing or {}).get("result") or {}).get("shares", [])
            mine = [s for s in shares if s.get("shareToken") == token]
            check("POST /rpc through nginx: shareList shows viewers 1",
                  status == 200 and len(mine) == 1 and mine[0].get("viewers") == 1, f"HTTP {status} {listing}")

            status, revoked = rpc("session.revokeShare", {"share_token": token}, 3)
            check("POST /rpc through nginx: revokeShare answers ok",
                  status == 200 and (revoked or {}).get("result") == {"ok": True}, f"HTTP {status} {revoked}")
            code = None
            clean = False
            try:
                while True:
                    await asyncio.wait_for(viewer.recv(), 10)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                clean = closed.rcvd_then_sent is True  # the relay's close frame came first, ours answered it
            except asyncio.TimeoutError:
                code = "timeout"
            check("revoked viewer closed with 4403 through nginx, a clean closing handshake",
                  code == 4403 and clean, f"close code {code}, received then sent: {clean}")

if wait_until_up():
    check("GET /healthz through nginx", True)
    try:
        asyncio.run(asyncio.wait_for(session(), 60))
    except Exception as error:  # anything unexpected counts as one failure, with its cause
        check("session through nginx", False, repr(error))

    status, _, body = https("GET", "/readyz")
    check("GET /readyz through nginx", status == 200 and b"ready" in body, f"HTTP {status} {body!r}")

    status, _, _ = https("GET", "/metrics")
    check("GET /metrics is not served through nginx", status == 404, f"HTTP {status}")

    status, _, body = https("GET", "/anything", headers={"X-Forwarded-For": "203.0.113.9"}, port=echo_https_port)
    seen = json.loads(body) if status == 200 else {}
    check("nginx forwards X-Real-IP, X-Forwarded-For (appended), X-Forwarded-Proto and Host",
          seen.get("x-real-ip") == "127.0.0.1" and seen.get("x-forwarded-for") == "203.0.113.9, 127.0.0.1"
          and seen.get("x-forwarded-proto") == "https" and seen.get("host") == host
          and seen.get("connection") == "close" and "upgrade" not in seen,
          f"HTTP {status} {seen}")

    connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    connection.request("GET", "/healthz", headers={"Host": host})
    response = connection.getresponse()
    check("port-80 server redirects to https",
          response.status == 301 and response.getheader("Location") == f"https://{host}/healthz",
          f"HTTP {response.status} {response.getheader('Location')}")
    connection.close()
else:
    check("GET /healthz through nginx", False)

print(f"RESULT {passed} {failed}")
sys.exit(1 if failed else 0)
PY
status=$?
set -e
grep -v '^RESULT ' "$work/client.out" || true

if [ "$status" -ne 0 ]; then
    echo "--- relay log (last 30 lines)"; tail -30 "$work/relay.log" || true
    echo "--- nginx error log (last 30 lines)"; tail -30 "$work/nginx/logs/error.log" || true
fi
read -r _ passed failed < <(grep '^RESULT ' "$work/client.out" 2>/dev/null || echo "RESULT 0 1")
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1   # the client died (timeout, crash) before counting

# The relay's connection log line for the viewer (written when its TCP connection is gone) names
# the address nginx forwarded, not nginx's own.
viewer_line=""
for _ in $(seq 50); do
    viewer_line=$(grep 'connection closed' "$work/relay.log" | grep 'role=viewer' || true)
    [ -n "$viewer_line" ] && break
    sleep 0.1
done
if grep -q 'client=127\.0\.0\.2' <<<"$viewer_line"; then
    echo "ok   the relay logs the viewer under the client address nginx forwarded (trustedProxies)"
    passed=$((passed + 1))
else
    echo "FAIL the relay logs the viewer under the client address nginx forwarded (trustedProxies): ${viewer_line:-no viewer close line}"
    failed=$((failed + 1))
    status=1
fi
echo "nginx: $passed passed, $failed failed"
exit "$status"
