import Foundation
import Testing

/// permessage-deflate on the viewer route: the relay answers server_no_context_takeover,
/// compresses each event once and shares the frame; viewers with and without compression (and
/// with a smaller window, which cannot take the shared frame) all decode every event exactly.
@Suite struct LiveRelayCompressionTests {
    @Test func viewersWithAndWithoutCompressionDecodeEveryEventExactly() async throws {
        guard let python = LivePython.path else {
            if LivePython.isRequired {
                Issue.record("Python with websockets not found (SHARE_RELAY_TEST_PYTHON)")
            }
            return
        }
        let relay = try await LiveRelay.start()
        let token = try await relay.share("deflate")
        // A mix of large, compressible events (shared compressed frame) and tiny ones (plain),
        // published by a Python presenter once all three viewers are live.
        var sent: [String] = []
        for index in 1...30 {
            sent.append(
                index % 3 == 0
                    ? #"{"i":\#(index)}"#
                    : #"{"i":\#(index),"text":"\#(String(repeating: "streaming output line \(index) ", count: 60))"}"#
            )
        }
        let script = """
            import asyncio, json, sys
            from websockets.asyncio.client import connect
            from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
            events = json.loads(sys.argv[4])
            async def viewer(mode, ready):
                kwargs = {}
                if mode == "plain":
                    kwargs["compression"] = None
                elif mode == "small-window":
                    kwargs["extensions"] = [ClientPerMessageDeflateFactory(server_max_window_bits=10)]
                    kwargs["compression"] = None
                async with connect(sys.argv[1] + "/v1/view", subprotocols=["share-relay.v1", sys.argv[2]], **kwargs) as ws:
                    print(mode, "extensions", ws.response.headers.get("Sec-WebSocket-Extensions"))
                    hello = json.loads(await ws.recv())
                    assert hello["type"] == "hello", hello
                    ready.set_result(True)
                    for expected in range(1, len(events) + 1):
                        event = json.loads(await ws.recv())
                        while event["type"] != "event":
                            event = json.loads(await ws.recv())
                        assert event["seq"] == expected, (event["seq"], expected)
                        print(mode, "data", json.dumps(event["data"], separators=(",", ":")))
            async def main():
                loop = asyncio.get_running_loop()
                modes = ["deflate", "plain", "small-window"]
                ready = [loop.create_future() for _ in modes]
                viewers = [asyncio.create_task(viewer(m, r)) for m, r in zip(modes, ready)]
                await asyncio.wait_for(asyncio.gather(*ready), 10)
                async with connect(sys.argv[1] + "/v1/sessions/deflate/publish", additional_headers={"Authorization": "Bearer " + sys.argv[3]}) as presenter:
                    await presenter.recv()
                    for text in events:
                        await presenter.send(text)
                    await asyncio.wait_for(asyncio.gather(*viewers), 20)
            asyncio.run(main())
            """
        let (status, output) = try await LivePython.run(
            python, script: script,
            arguments: ["ws://127.0.0.1:\(relay.port)", token, testOwnerKey, String(decoding: try JSONSerialization.data(withJSONObject: sent), as: UTF8.self)]
        )
        #expect(status == 0, "\(output)")
        #expect(output.contains("deflate extensions permessage-deflate; server_no_context_takeover"), "\(output)")
        #expect(output.contains("plain extensions None"), "\(output)")
        #expect(output.contains("small-window extensions permessage-deflate"), "\(output)")
        for mode in ["deflate", "plain", "small-window"] {
            let received = output.split(separator: "\n").filter { $0.hasPrefix("\(mode) data ") }
                .map { String($0.dropFirst("\(mode) data ".count)) }
            #expect(received == sent, "\(mode): \(received.count) events")
        }
        await relay.stop()
    }
}
