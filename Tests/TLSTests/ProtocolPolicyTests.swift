import Testing
import TLS

/// The protocol policy as `openssl s_client` sees it: TLS 1.2 and 1.3 only, ECDHE + AEAD for
/// TLS 1.2, no compression, ALPN http/1.1.
@Suite(.timeLimit(.minutes(1))) struct ProtocolPolicyTests {
    @Test func tls12HandshakeSucceedsWithAnECDHEAEADSuite() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status, output) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_2"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("Protocol  : TLSv1.2"), "\(output)")
            #expect(output.contains("Cipher    : ECDHE-"), "\(output)")
            #expect(output.contains("GCM") || output.contains("CHACHA20"), "\(output)")
            #expect(output.contains("Compression: NONE"), "\(output)")
        }
    }

    @Test func tls13HandshakeSucceeds() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status, output) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_3"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("New, TLSv1.3"), "\(output)")
        }
    }

    @Test func tls11IsRefused() async throws {
        try await withTLSEchoServer { port, _, _ in
            // SECLEVEL=0 so that the client is willing to offer TLS 1.1 at all: the refusal is the server's.
            let (status, output) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
            #expect(status != 0, "\(output)")
            #expect(output.contains("alert protocol version"), "\(output)")
        }
    }

    @Test func tls12CBCSuiteWithoutForwardSecrecyIsRefused() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status, output) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_2", "-cipher", "AES128-SHA"])
            #expect(status != 0, "\(output)")
            #expect(output.contains("handshake failure"), "\(output)")
        }
    }

    @Test func alpnSelectsHTTP11() async throws {
        try await withTLSEchoServer { port, _, _ in
            let (status, output) = try await OpenSSLCommandLine.connect(port: port, ["-alpn", "h2,http/1.1"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("ALPN protocol: http/1.1"), "\(output)")
        }
    }
}

/// `tls.minimumVersion: "1.3"` raises the floor.
@Suite(.timeLimit(.minutes(1))) struct MinimumVersionTests {
    @Test func minimumVersion13RefusesTLS12() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(
            certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath, minimumVersion: .tls13
        ))
        let server = try await TLSTestServers.webSocketEcho(provider: provider)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let (status12, output12) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_2"])
        #expect(status12 != 0, "\(output12)")
        let (status13, output13) = try await OpenSSLCommandLine.connect(port: port, ["-tls1_3"])
        #expect(status13 == 0, "\(output13)")
    }
}
