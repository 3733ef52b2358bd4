#!/usr/bin/env python3
"""Test double for relay-bench's relay protocol (not a comparison peer): speaks issue 4's wire
shapes with no storage and no auth checks, so the tool's relay mode can be exercised before the
real relay's live routes exist. Presenter: /v1/sessions/<id>/publish gets {"type":"ready",...};
viewers: /v1/view gets a hello, then {"type":"event","seq":N,"time":...,"data":<raw>}.
No /rpc: run relay-bench with --share-token anything --owner-key anything.

    python3 mock-relay-protocol.py --port 9103
"""
import argparse
import asyncio
import datetime
import json

from websockets.asyncio.server import broadcast, serve

viewers = set()
seq = 0


async def handler(connection):
    global seq
    path = connection.request.path.split("?", 1)[0]
    # The delay works around a WebSocketNIO client bug: bytes that arrive in the same read as the
    # 101 response are dropped (the handshake handler fires them after removing itself).
    await asyncio.sleep(0.05)
    if path == "/v1/view":
        await connection.send(json.dumps({"type": "hello", "sessionId": "mock", "expiresAt": None,
                                          "seq": seq, "presenter": True, "viewers": len(viewers)}))
        viewers.add(connection)
        try:
            await connection.wait_closed()
        finally:
            viewers.discard(connection)
    elif path.startswith("/v1/sessions/") and path.endswith("/publish"):
        await connection.send(json.dumps({"type": "ready", "sessionId": path.split("/")[3], "seq": seq}, separators=(",", ":")))
        async for message in connection:
            seq += 1
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            broadcast(viewers, '{"type":"event","seq":%d,"time":"%s","data":%s}' % (seq, now, message))
    else:
        await connection.close(1008, "unknown path")


def select_subprotocol(connection, offered):
    return "share-relay.v1" if "share-relay.v1" in offered else None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9103)
    args = parser.parse_args()
    async with serve(handler, "127.0.0.1", args.port, compression=None, ping_interval=None,
                     select_subprotocol=select_subprotocol, max_size=2**24):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
