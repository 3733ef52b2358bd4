#!/usr/bin/env python3
"""A small stand-in for the ShareRelay server, for developing and testing the web pages.

It implements the parts of the public contract (docs/rpc.md, issue 4's viewer and presenter
contract) that the pages and the browser tests use, over one port:

- GET/HEAD  /, /s, /console, /assets/...   the web directory, with the same headers as the relay
- POST      /rpc                            session.share, session.shareList (with `viewers`),
                                            session.revokeShare (closes viewers 4403 first)
- WebSocket /v1/view                        token in the subprotocol list, Authorization or
                                            ?token=; 4401/4403/4410 closes; hello, history,
                                            ?since=N with gap, live events, presence; 1008 on
                                            any data frame from a viewer; 4429 over the limit
- WebSocket /v1/sessions/{id}/publish       owner key as Bearer or subprotocol; ready; events
                                            get the next seq; relay.sync; -32700 on bad JSON

State (shares and events) is kept in a JSON file (--state) so that a restart loses nothing:
the browser tests kill and restart this process to check that the viewer reconnects.

It is a test double, not a second implementation: no limits beyond what the tests need, one
event loop, state written after every change.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import mimetypes
import os
import secrets
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.frames import Opcode
from websockets.datastructures import Headers
from websockets.server import ServerProtocol
from websockets.protocol import State

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
PAGES = {"/": "index.html", "/s": "index.html", "/console": "console.html"}
PROTOCOL = "share-relay.v1"
TOKEN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def now_rfc3339(ms=True, at=None):
    moment = datetime.fromtimestamp(at if at is not None else time.time(), tz=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond // 1000:03d}Z" if ms else "Z")


class Socket:
    """One upgraded connection driven through websockets' sans-I/O protocol."""

    def __init__(self, protocol, writer):
        self.protocol = protocol
        self.writer = writer

    def flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)
            elif self.writer.can_write_eof():
                try:
                    self.writer.write_eof()
                except OSError:
                    pass

    def send_json(self, value):
        if self.protocol.state is State.OPEN:
            self.protocol.send_text(json.dumps(value, separators=(",", ":")).encode())
            self.flush()

    def send_raw(self, text):
        if self.protocol.state is State.OPEN:
            self.protocol.send_text(text.encode())
            self.flush()

    def close(self, code, reason=""):
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self.flush()
            asyncio.get_running_loop().call_later(1.0, self.writer.close)


class FakeRelay:
    def __init__(self, args):
        self.args = args
        self.web = Path(args.web).resolve()
        self.state_path = Path(args.state) if args.state else None
        self.shares = {}  # token -> {sessionId, expiresAt (epoch or None), revoked, createdAt}
        self.events = {}  # sessionId -> [{"seq", "time", "data"}]  (data: the raw JSON text)
        self.first_seq = {}  # sessionId -> first retained seq
        self.last_seq = {}  # sessionId -> last seq
        self.viewers = {}  # token -> set of Socket
        self.presenters = {}  # sessionId -> set of Socket
        self.load()

    # State

    def load(self):
        if self.state_path and self.state_path.exists():
            state = json.loads(self.state_path.read_text())
            self.shares = state["shares"]
            self.events = state["events"]
            self.first_seq = state["first_seq"]
            self.last_seq = state["last_seq"]

    def save(self):
        if not self.state_path:
            return
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"shares": self.shares, "events": self.events,
                                         "first_seq": self.first_seq, "last_seq": self.last_seq}))
        os.replace(temporary, self.state_path)

    def share_state(self, token):
        share = self.shares.get(token)
        if share is None:
            return "unknown"
        if share["revoked"]:
            return "revoked"
        if share["expiresAt"] is not None and share["expiresAt"] <= time.time():
            return "expired"
        return "active"

    def viewer_count(self, session_id):
        return sum(len(sockets) for token, sockets in self.viewers.items()
                   if self.shares.get(token, {}).get("sessionId") == session_id)

    # HTTP

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = b""
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                if headers.get("upgrade", "").lower() == "websocket":
                    await self.upgrade(head, target, reader, writer)
                    return
                status, response_headers, payload = await self.http(method, target, headers, body)
                self.respond(writer, status, response_headers, payload, head_only=(method == "HEAD"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def respond(self, writer, status, headers, payload, head_only=False):
        reasons = {200: "OK", 204: "No Content", 304: "Not Modified", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
        out = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"]
        out += [f"{name}: {value}" for name, value in headers]
        out.append(f"Content-Length: {len(payload)}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + (b"" if head_only else payload))

    async def http(self, method, target, headers, body):
        path = urlsplit(target).path
        if path == "/rpc":
            if method != "POST":
                return 405, [("Allow", "POST")], b"{}"
            return await self.rpc_over_http(headers, body)
        if path == "/_fake/gap" and method == "POST":
            # Test control, not part of the relay's contract: tell a session's viewers that
            # events were lost, as a relay does when retention dropped what they asked for.
            request = json.loads(body)
            session_id = request["session_id"]
            self.last_seq[session_id] = max(self.last_seq.get(session_id, 0), request["to"])
            self.first_seq[session_id] = request["to"] + 1
            self.events[session_id] = []
            self.save()
            for token, sockets in self.viewers.items():
                if self.shares.get(token, {}).get("sessionId") == session_id:
                    for viewer in list(sockets):
                        viewer.send_json({"type": "gap", "from": request["from"], "to": request["to"]})
            return 204, [], b""
        if path == "/healthz":
            return 200, [("Content-Type", "application/json")], b'{"status":"ok"}'
        file = None
        if path in PAGES:
            file = self.web / PAGES[path]
        elif path.startswith("/assets/") and ".." not in path and "%" not in path:
            candidate = (self.web / path.lstrip("/")).resolve()
            if str(candidate).startswith(str(self.web) + os.sep) and candidate.is_file():
                file = candidate
        if file is None or not file.is_file():
            return 404, [("Content-Type", "application/json")], b'{"error":{"code":"not_found"}}'
        if method not in ("GET", "HEAD"):
            return 405, [("Allow", "GET, HEAD")] + SECURITY_HEADERS, b""
        content = file.read_bytes()
        kind = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".html": "text/html; charset=utf-8"}.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return 200, [("Content-Type", kind), ("Cache-Control", "no-cache")] + SECURITY_HEADERS, content

    def authorized(self, headers):
        return headers.get("authorization", "") == f"Bearer {self.args.owner_key}"

    async def rpc_over_http(self, headers, body):
        json_type = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        if not self.authorized(headers):
            error = {"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": "Unauthorized: invalid owner key"}}
            return 401, json_type, json.dumps(error).encode()
        request = json.loads(body)
        return 200, json_type, json.dumps(await self.rpc(request)).encode()

    async def rpc(self, request, default_session=None):
        method, params, request_id = request.get("method"), request.get("params") or {}, request.get("id")

        def result(value):
            return {"jsonrpc": "2.0", "id": request_id, "result": value}

        def error(code, message):
            return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}

        if method == "session.share":
            session_id = params.get("session_id", default_session)
            if not isinstance(session_id, str) or not session_id:
                return error(-32602, "Invalid params: missing session_id")
            expires_in = params.get("expires_in", 3600)
            token = "clw_share_" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(32))
            expires_at = None if expires_in is None else time.time() + float(expires_in)
            self.shares[token] = {"sessionId": session_id, "expiresAt": expires_at, "revoked": False, "createdAt": time.time()}
            self.save()
            self.schedule_expiry(token)
            return result({"shareToken": token, "expiresAt": None if expires_at is None else now_rfc3339(ms=False, at=expires_at)})
        if method == "session.shareList":
            session_id = params.get("session_id", default_session)
            shares = [{"shareToken": token, "sessionId": share["sessionId"],
                       "expiresAt": None if share["expiresAt"] is None else now_rfc3339(ms=False, at=share["expiresAt"]),
                       "createdAt": now_rfc3339(ms=False, at=share["createdAt"]),
                       "viewers": len(self.viewers.get(token, ()))}
                      for token, share in sorted(self.shares.items(), key=lambda item: item[1]["createdAt"])
                      if share["sessionId"] == session_id and self.share_state(token) == "active"]
            return result({"shares": shares})
        if method == "session.revokeShare":
            token = params.get("share_token")
            if token not in self.shares:
                return error(-32004, "Share not found")
            self.shares[token]["revoked"] = True
            self.save()
            self.close_viewers(token, 4403, "share revoked")
            return result({"ok": True})
        if method == "relay.sync":
            return result({"seq": self.last_seq.get(default_session, 0)})
        return error(-32601, f"Method not found: {method}")

    # WebSocket

    async def upgrade(self, head, target, reader, writer):
        url = urlsplit(target)
        query = parse_qs(url.query)
        offered = []
        request_headers = Headers()
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                request_headers[name.strip()] = value.strip()
                if name.strip().lower() == "sec-websocket-protocol":
                    offered += [item.strip() for item in value.split(",")]

        def select(connection, subprotocols):
            return PROTOCOL if PROTOCOL in subprotocols else None

        protocol = ServerProtocol(select_subprotocol=select, max_size=2 ** 20)
        protocol.receive_data(head)
        request = protocol.events_received()[0]
        response = protocol.accept(request)
        protocol.send_response(response)
        socket = Socket(protocol, writer)
        socket.flush()
        if response.status_code != 101:
            return

        credential = None
        if len(offered) >= 2 and offered[0] == PROTOCOL:
            credential = offered[1]
        elif request_headers.get("authorization", "").lower().startswith("bearer "):
            credential = request_headers["authorization"][7:].strip()
        elif "token" in query:
            credential = query["token"][0]

        if url.path == "/v1/view":
            await self.viewer(socket, reader, credential, query)
        elif url.path.startswith("/v1/sessions/") and url.path.endswith("/publish"):
            session_id = url.path[len("/v1/sessions/"):-len("/publish")]
            if credential != self.args.owner_key:
                socket.close(4401, "invalid owner key")
                return
            await self.presenter(socket, reader, session_id)
        else:
            socket.close(1008, "no such route")

    async def frames(self, socket, reader):
        """Yields data frames until the connection closes; answers pings and closes."""
        while True:
            data = await reader.read(65536)
            if not data:
                socket.protocol.receive_eof()
                socket.flush()
                return
            socket.protocol.receive_data(data)
            frames = socket.protocol.events_received()
            socket.flush()
            for frame in frames:
                if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                    yield frame
            if socket.protocol.state is State.CLOSED:
                return

    async def viewer(self, socket, reader, token, query):
        status = self.share_state(token)
        if status != "active":
            socket.close({"unknown": 4401, "revoked": 4403, "expired": 4410}[status], status)
            return
        if len(self.viewers.get(token, ())) >= self.args.max_viewers_per_share:
            socket.close(4429, "too many viewers")
            return
        session_id = self.shares[token]["sessionId"]
        since = int(query["since"][0]) if "since" in query else 0
        expires_at = self.shares[token]["expiresAt"]
        self.viewers.setdefault(token, set()).add(socket)
        socket.send_json({"type": "hello", "sessionId": session_id,
                          "expiresAt": None if expires_at is None else now_rfc3339(ms=False, at=expires_at),
                          "seq": self.last_seq.get(session_id, 0),
                          "presenter": bool(self.presenters.get(session_id)),
                          "viewers": self.viewer_count(session_id)})
        first = self.first_seq.get(session_id, 1)
        if since + 1 < first and self.last_seq.get(session_id, 0) >= first:
            socket.send_json({"type": "gap", "from": since + 1, "to": first - 1})
        for event in self.events.get(session_id, []):
            if event["seq"] > since:
                socket.send_raw(self.encode(event))
        self.presence(session_id)
        try:
            async for _ in self.frames(socket, reader):
                socket.close(1008, "viewers are read-only")
        finally:
            self.viewers.get(token, set()).discard(socket)
            self.presence(session_id)

    async def presenter(self, socket, reader, session_id):
        self.presenters.setdefault(session_id, set()).add(socket)
        socket.send_json({"type": "ready", "sessionId": session_id, "seq": self.last_seq.get(session_id, 0)})
        self.presence(session_id)
        try:
            async for frame in self.frames(socket, reader):
                try:
                    text = frame.data.decode()
                    value = json.loads(text)
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    socket.send_json({"type": "error", "error": {"code": -32700, "message": f"Parse error: {error}"}})
                    continue
                if isinstance(value, dict) and value.get("jsonrpc") == "2.0" and "method" in value and "id" in value:
                    socket.send_json(await self.rpc(value, default_session=session_id))
                    continue
                self.publish(session_id, text)
        finally:
            self.presenters.get(session_id, set()).discard(socket)
            self.presence(session_id)

    def encode(self, event):
        return f'{{"type":"event","seq":{event["seq"]},"time":"{event["time"]}","data":{event["data"]}}}'

    def publish(self, session_id, text):
        seq = self.last_seq.get(session_id, 0) + 1
        self.last_seq[session_id] = seq
        log = self.events.setdefault(session_id, [])
        log.append({"seq": seq, "time": now_rfc3339(), "data": text})
        while len(log) > self.args.history_max_events:
            log.pop(0)
        self.first_seq[session_id] = log[0]["seq"]
        self.save()
        encoded = self.encode(log[-1])
        for token, sockets in self.viewers.items():
            if self.shares.get(token, {}).get("sessionId") == session_id:
                for viewer in list(sockets):
                    viewer.send_raw(encoded)

    def presence(self, session_id):
        message = {"type": "presence", "presenter": bool(self.presenters.get(session_id)),
                   "viewers": self.viewer_count(session_id)}
        for token, sockets in self.viewers.items():
            if self.shares.get(token, {}).get("sessionId") == session_id:
                for viewer in list(sockets):
                    viewer.send_json(message)
        for presenter in self.presenters.get(session_id, ()):
            presenter.send_json({"type": "viewers", "count": message["viewers"]})

    def close_viewers(self, token, code, reason):
        for viewer in list(self.viewers.get(token, ())):
            viewer.close(code, reason)
        self.viewers.pop(token, None)

    def schedule_expiry(self, token):
        expires_at = self.shares[token]["expiresAt"]
        if expires_at is None:
            return
        loop = asyncio.get_running_loop()
        loop.call_later(max(0.0, expires_at - time.time()),
                        lambda: self.share_state(token) == "expired" and self.close_viewers(token, 4410, "share expired"))

    def close_all(self):
        for sockets in list(self.viewers.values()) + list(self.presenters.values()):
            for socket in list(sockets):
                socket.close(1001, "relay shutting down")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--web", default=str(Path(__file__).resolve().parents[2] / "web"))
    parser.add_argument("--owner-key", required=True)
    parser.add_argument("--state", help="JSON file keeping shares and events across restarts")
    parser.add_argument("--history-max-events", type=int, default=10000)
    parser.add_argument("--max-viewers-per-share", type=int,
                        default=int(os.environ.get("SHARE_RELAY_MAX_VIEWERS_PER_SHARE", "10000")))
    args = parser.parse_args()
    relay = FakeRelay(args)
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(relay.handle, host, int(port))
    for token in relay.shares:
        relay.schedule_expiry(token)
    bound = server.sockets[0].getsockname()
    print(f"share-relay listening on http://{bound[0]}:{bound[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    relay.close_all()
    server.close()
    await asyncio.sleep(0.2)
    os._exit(0)  # like a relay process ending: open sockets are closed by the kernel


if __name__ == "__main__":
    asyncio.run(main())
