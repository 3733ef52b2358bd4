#!/usr/bin/env python3
"""Reference peer for relay-bench: a broadcast server on PyPI `websockets`, written the way a
typical developer would. Viewers connect to /v1/view, a presenter to /v1/sessions/<id>/publish; no
auth; each presenter text message goes verbatim to every viewer via websockets.broadcast.
Comparison only; never part of the product.

    python3 python-websockets-broadcast.py --port 9102
"""
import argparse
import asyncio

from websockets.asyncio.server import broadcast, serve

viewers = set()


async def handler(connection):
    path = connection.request.path.split("?", 1)[0]
    if path == "/v1/view":
        viewers.add(connection)
        try:
            await connection.wait_closed()
        finally:
            viewers.discard(connection)
    elif path.startswith("/v1/sessions/") and path.endswith("/publish"):
        async for message in connection:
            broadcast(viewers, message)
    else:
        await connection.close(1008, "unknown path")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9102)
    args = parser.parse_args()
    # No compression and no message size surprises: the same wire as the other peers.
    async with serve(handler, args.host, args.port, compression=None, ping_interval=None, max_size=2**24, backlog=4096):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
