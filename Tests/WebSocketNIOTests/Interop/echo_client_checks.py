"""Python `websockets` (an implementation nobody here wrote) as a client of our echo server.

Usage: python echo_client_checks.py URL (compress|plain)
Prints one line per check and exits non-zero on the first mismatch.
"""
import asyncio
import os
import sys

from websockets.asyncio.client import connect

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 16 * 1024 * 1024]


async def main(url: str, compression: str) -> None:
    kwargs = dict(max_size=64 * 1024 * 1024, ping_interval=None)
    if compression == "plain":
        kwargs["compression"] = None
    async with connect(url, **kwargs) as ws:
        negotiated = ws.response.headers.get("Sec-WebSocket-Extensions")
        if compression == "compress" and not (negotiated or "").startswith("permessage-deflate"):
            raise SystemExit(f"permessage-deflate not negotiated: {negotiated!r}")
        if compression == "plain" and negotiated:
            raise SystemExit(f"unexpected extension: {negotiated!r}")
        print(f"ok extensions {negotiated!r}")

        for size in SIZES:
            text = ("ShareRelay é✓" * (size // 14 + 1)).encode()[:size].decode("utf-8", "ignore")
            await ws.send(text)
            echoed = await ws.recv()
            if echoed != text:
                raise SystemExit(f"text {size}: echo differs ({len(echoed)} chars)")
            print(f"ok text {len(text.encode())} bytes")

            data = os.urandom(size) if size <= 65536 else bytes(range(256)) * (size // 256)
            await ws.send(data)
            echoed = await ws.recv()
            if echoed != data:
                raise SystemExit(f"binary {size}: echo differs")
            print(f"ok binary {size} bytes")

        fragments = ["frag-", "mented ", "mess", "age ✓"]
        await ws.send(iter(fragments))
        echoed = await ws.recv()
        if echoed != "".join(fragments):
            raise SystemExit(f"fragmented: echo differs: {echoed!r}")
        print("ok fragmented text")

        await ws.send(iter([b"\x00\x01", b"", b"\x02" * 70000]))
        echoed = await ws.recv()
        if echoed != b"\x00\x01" + b"\x02" * 70000:
            raise SystemExit("fragmented binary: echo differs")
        print("ok fragmented binary")

        pong = await ws.ping(b"are you there")
        latency = await asyncio.wait_for(pong, 5)
        print(f"ok ping answered in {latency * 1000:.2f} ms")

        await ws.close(1000, "bye")
        if ws.close_code != 1000:
            raise SystemExit(f"close code {ws.close_code}")
        print("ok close 1000")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
