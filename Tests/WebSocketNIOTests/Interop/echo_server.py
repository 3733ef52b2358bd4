"""Python `websockets` echo server for our client's interop tests.

Usage: python echo_server.py (compress|plain)
Prints `PORT <n>` once listening on 127.0.0.1, then serves until killed.
"""
import asyncio
import os
import sys
import threading

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


def exit_when_stdin_closes() -> None:
    # The test process holds our stdin open; when it closes (or the test process dies) we exit,
    # so no server outlives its test.
    sys.stdin.buffer.read()
    os._exit(0)


async def main(compression: str) -> None:
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    kwargs = dict(max_size=64 * 1024 * 1024, ping_interval=None)
    if compression == "plain":
        kwargs["compression"] = None
    async with serve(echo, "127.0.0.1", 0, **kwargs) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
