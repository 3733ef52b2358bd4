"""Python `ssl` + `websockets` (implementations nobody here wrote) as a wss:// client of our TLS handler.

Usage:
  python wss_client.py echo URL CAFILE     verify the chain and host name; echo small, many small
                                           and 1 MiB messages; print one `ok ...` line per check
  python wss_client.py reload URL          client 1 connects and prints `FP1 <sha256>` then `READY`;
                                           after a line on stdin it echoes again on client 1, then
                                           client 2 connects and prints `FP2 <sha256>`
  python wss_client.py version URL (1.1|1.2|1.3)
                                           handshake pinned to one TLS version; prints `ok TLSv1.x`
                                           or `refused <reason>` (exit 0 either way)
  python wss_client.py shutdown HOST PORT  plain `ssl` socket: handshake, send close_notify and
                                           wait for the server's (`unwrap`); prints `ok close_notify answered`
Exits non-zero on the first mismatch.
"""
import hashlib
import os
import socket
import ssl
import sys

from websockets.sync.client import connect


def fingerprint(ws) -> str:
    return hashlib.sha256(ws.socket.getpeercert(binary_form=True)).hexdigest()


def unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def expect_echo(ws, message) -> None:
    ws.send(message)
    echoed = ws.recv(timeout=20)
    if echoed != message:
        raise SystemExit(f"echo mismatch: sent {len(message)} got {len(echoed)}")


def echo(url: str, cafile: str) -> None:
    context = ssl.create_default_context(cafile=cafile)
    with connect(url, ssl=context, max_size=None, compression=None) as ws:
        print(f"ok connected {ws.socket.version()} {ws.socket.cipher()[0]}", flush=True)
        expect_echo(ws, "hello over TLS ✓")
        print("ok text", flush=True)

        count = 2000
        for i in range(count):
            ws.send(f"small {i}")
        for i in range(count):
            if ws.recv(timeout=20) != f"small {i}":
                raise SystemExit(f"small message {i} out of order or lost")
        print(f"ok {count} small messages in order", flush=True)

        big = os.urandom(1 << 20)
        expect_echo(ws, big)
        print(f"ok binary {len(big)} bytes", flush=True)
        big_text = "ShareRelay é✓ " * ((1 << 20) // 16)
        expect_echo(ws, big_text)
        print(f"ok text {len(big_text.encode())} bytes", flush=True)
    print(f"ok close {ws.close_code}", flush=True)


def reload(url: str) -> None:
    first = connect(url, ssl=unverified(), compression=None)
    expect_echo(first, "before reload")
    print(f"FP1 {fingerprint(first)}", flush=True)
    print("READY", flush=True)
    sys.stdin.readline()
    print("got go", flush=True)
    expect_echo(first, "after reload")
    print("ok client 1 still open", flush=True)
    with connect(url, ssl=unverified(), compression=None) as second:
        print("client 2 connected", flush=True)
        expect_echo(second, "new connection")
        print(f"FP2 {fingerprint(second)}", flush=True)
    print("client 2 closed", flush=True)
    expect_echo(first, "still there")
    first.close()
    print("ok done", flush=True)


def version(url: str, wanted: str) -> None:
    pinned = {"1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[wanted]
    context = unverified()
    if wanted == "1.1":
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer TLS 1.1 at all
    context.minimum_version = pinned
    context.maximum_version = pinned
    try:
        with connect(url, ssl=context, compression=None) as ws:
            expect_echo(ws, "pinned")
            print(f"ok {ws.socket.version()}", flush=True)
    except (ssl.SSLError, ConnectionError, OSError) as error:
        print(f"refused {error}", flush=True)


def shutdown(host: str, port: int) -> None:
    raw = socket.create_connection((host, port), timeout=10)
    tls = unverified().wrap_socket(raw, server_hostname="localhost")
    print(f"ok handshake {tls.version()}", flush=True)
    plain = tls.unwrap()  # raises unless the server answers our close_notify with its own
    print("ok close_notify answered", flush=True)
    plain.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "echo":
        echo(sys.argv[2], sys.argv[3])
    elif mode == "reload":
        reload(sys.argv[2])
    elif mode == "version":
        version(sys.argv[2], sys.argv[3])
    elif mode == "shutdown":
        shutdown(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
