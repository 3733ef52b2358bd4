import Foundation
import Testing
import TLS

/// Python `ssl` + `websockets` as a wss:// client of the WebSocket echo server behind our TLS
/// handler: chain and host name verification, message sizes, ordering, and certificate reload.
@Suite(.enabled(if: InteropPython.shouldRun), .timeLimit(.minutes(2)))
struct PythonWSSClientTests {
    @Test func verifiedWSSClientEchoesSmallManySmallAndOneMebibyteMessages() async throws {
        try await withTLSEchoServer { port, _, certificates in
            let (status, output) = try await InteropPython.run(["echo", "wss://localhost:\(port)/", certificates.certificatePath])
            #expect(status == 0, "\(output)")
            #expect(output.contains("ok connected TLSv1.3"), "\(output)")
            #expect(output.contains("ok 2000 small messages in order"), "\(output)")
            #expect(output.contains("ok binary 1048576 bytes"), "\(output)")
            #expect(output.contains("ok close 1000"), "\(output)")
        }
    }

    @Test func pythonClientPinnedToTLS12ConnectsAndToTLS11IsRefused() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status12, output12) = try await InteropPython.run(["version", "wss://127.0.0.1:\(port)/", "1.2"])
            #expect(status12 == 0 && output12.contains("ok TLSv1.2"), "\(output12)")
            let (status11, output11) = try await InteropPython.run(["version", "wss://127.0.0.1:\(port)/", "1.1"])
            #expect(status11 == 0 && output11.contains("refused"), "\(output11)")
        }
    }

    @Test func reloadServesTheNewCertificateToNewConnectionsWithoutDroppingOpenOnes() async throws {
        try await withTLSEchoServer { port, provider, certificates in
            let oldFingerprint = try #require(provider.context.certificateSHA256?.hex)
            try certificates.generate(commonName: "renewed", certificate: "renewed-cert.pem", key: "renewed-key.pem")
            let newFingerprint = try OpenSSLCommandLine.fileFingerprint(certificates.path("renewed-cert.pem"))
            let (status, output) = try await InteropPython.converse(["reload", "wss://127.0.0.1:\(port)/"]) { line in
                guard line == "READY" else { return nil }
                // What SIGHUP does: new files in place, then reload.
                try? certificates.replace(withCertificate: "renewed-cert.pem", key: "renewed-key.pem")
                do { try provider.reload() } catch { return "reload failed: \(error)" }
                return "go"
            }
            #expect(status == 0, "\(output)")
            #expect(output.contains("FP1 \(oldFingerprint)"), "\(output)")
            #expect(output.contains("ok client 1 still open"), "\(output)")
            #expect(output.contains("FP2 \(newFingerprint)"), "\(output)")
            #expect(provider.context.certificateSHA256?.hex == newFingerprint)
            #expect(oldFingerprint != newFingerprint)
        }
    }

    @Test func clientCloseNotifyIsAnsweredWithTheServersCloseNotify() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status, output) = try await InteropPython.run(["shutdown", "127.0.0.1", "\(port)"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("ok close_notify answered"), "\(output)")
        }
    }
}
