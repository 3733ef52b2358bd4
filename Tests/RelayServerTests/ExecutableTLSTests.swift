import Foundation
import TestProcessSupport
import Testing

/// `share-relay serve` terminating TLS itself (system OpenSSL): presenter and viewer over wss://
/// with Python's `ssl` + `websockets` as the independent client, and SIGHUP loading a new
/// certificate for new connections while existing ones keep streaming.
@Suite(.timeLimit(.minutes(2))) final class ExecutableTLSTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("share-relay-tls-\(UUID().uuidString)")

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// A self-signed certificate for 127.0.0.1, made by the `openssl` command.
    func makeCertificate(_ certificate: String, _ key: String) async throws {
        let result = try await SpawnedProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        #expect(result.status == 0, "openssl req failed: \(result.output)")
    }

    @Test func relayServesWssAndReloadsItsCertificateOnSIGHUP() async throws {
        guard let python = LivePython.path else {
            if LivePython.isRequired {
                Issue.record("Python with websockets not found (SHARE_RELAY_TEST_PYTHON)")
            }
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await makeCertificate(path("cert.pem"), path("key.pem"))
        try await makeCertificate(path("next-cert.pem"), path("next-key.pem"))
        try FileManager.default.copyItem(atPath: path("cert.pem"), toPath: path("first-cert.pem"))

        let key = "tls-test-owner-key-0123456789"
        let relay = try await RelayProcess.start(
            dataDirectory: path("data"),
            environment: ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": key]),
            extraArguments: [
                "--set", "tls.enabled=true", "--set", "tls.certificateFile=\(path("cert.pem"))",
                "--set", "tls.privateKeyFile=\(path("key.pem"))",
            ],
            scheme: "https"
        )
        let port = relay.port

        let script = """
            import asyncio, hashlib, json, os, signal, ssl, sys
            from websockets.asyncio.client import connect
            from websockets.exceptions import ConnectionClosed
            port, key, pid, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
            def context(cafile):
                c = ssl.create_default_context(cafile=cafile)
                c.minimum_version = ssl.TLSVersion.TLSv1_2
                return c
            def fingerprint(ws):
                der = ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
                return hashlib.sha256(der).hexdigest()
            async def main():
                base = f"wss://127.0.0.1:{port}"
                first = context(os.path.join(d, "first-cert.pem"))
                async with connect(base + "/v1/sessions/tls/publish", ssl=first, additional_headers={"Authorization": "Bearer " + key}) as presenter:
                    print("presenter", json.loads(await presenter.recv())["type"], fingerprint(presenter)[:16])
                    await presenter.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.share", "params": {"expires_in": 600}}))
                    token = json.loads(await presenter.recv())["result"]["shareToken"]
                    async with connect(base + "/v1/view", ssl=first, subprotocols=["share-relay.v1", token]) as viewer:
                        print("viewer", json.loads(await viewer.recv())["type"])
                        await presenter.send(json.dumps({"n": 1}))
                        event = json.loads(await viewer.recv())
                        while event["type"] != "event":
                            event = json.loads(await viewer.recv())
                        print("event", event["seq"], json.dumps(event["data"]))
                        os.replace(os.path.join(d, "next-cert.pem"), os.path.join(d, "cert.pem"))
                        os.replace(os.path.join(d, "next-key.pem"), os.path.join(d, "key.pem"))
                        os.kill(pid, signal.SIGHUP)
                        await asyncio.sleep(1.0)
                        await presenter.send(json.dumps({"n": 2}))
                        event = json.loads(await viewer.recv())
                        while event["type"] != "event":
                            event = json.loads(await viewer.recv())
                        print("after reload", event["seq"], json.dumps(event["data"]))
                        second = context(os.path.join(d, "cert.pem"))
                        async with connect(base + "/v1/view", ssl=second, subprotocols=["share-relay.v1", token]) as fresh:
                            print("new connection", json.loads(await fresh.recv())["type"], fingerprint(fresh)[:16])
                        print("old", fingerprint(viewer)[:16])
                        # Revoked: the relay's close frame, then close_notify and the end of the
                        # stream (its half-close); our reply completes a clean closing handshake.
                        started = asyncio.get_running_loop().time()
                        await presenter.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "session.revokeShare", "params": {"share_token": token}}))
                        try:
                            while True:
                                await viewer.recv()
                        except ConnectionClosed as closed:
                            elapsed = asyncio.get_running_loop().time() - started
                            print("revoked", closed.rcvd.code if closed.rcvd else None, closed.rcvd_then_sent, elapsed < 2.0)
            asyncio.run(main())
            """
        let (status, output) = try await LivePython.run(
            python, script: script, arguments: ["\(port)", key, "\(relay.process.processIdentifier)", directory]
        )
        #expect(status == 0, "\(output)")
        #expect(output.contains("presenter ready"), "\(output)")
        #expect(output.contains("viewer hello"), "\(output)")
        #expect(output.contains(#"event 1 {"n": 1}"#), "\(output)")
        #expect(output.contains(#"after reload 2 {"n": 2}"#), "\(output)")
        let lines = output.split(separator: "\n")
        let oldPrint = lines.first { $0.hasPrefix("old ") }?.split(separator: " ").last
        let newPrint = lines.first { $0.hasPrefix("new connection hello ") }?.split(separator: " ").last
        #expect(oldPrint != nil && newPrint != nil && oldPrint != newPrint, "\(output)")
        #expect(output.contains("revoked 4403 True True"), "\(output)")

        let stopped = await relay.stop(with: SIGTERM)
        #expect(stopped.reason == .exit && stopped.status == 0)
    }
}
