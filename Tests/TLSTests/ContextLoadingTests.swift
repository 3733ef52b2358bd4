import Testing
import TLS

/// Loading certificate and key files, and what a reload does when they are good or bad.
@Suite(.timeLimit(.minutes(1))) struct ContextLoadingTests {
    @Test func serverContextLoadsPEMChainAndKeyAndReportsTheLeafFingerprint() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let context = try TLSContext(server: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        #expect(context.side == .server)
        #expect(context.certificateSHA256?.hex == (try OpenSSLCommandLine.fileFingerprint(certificates.certificatePath)))
    }

    @Test func missingCertificateFileIsReportedWithItsPath() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let missing = certificates.path("absent.pem")
        #expect {
            try TLSContext(server: TLSConfiguration(certificateChainFile: missing, privateKeyFile: certificates.keyPath))
        } throws: { error in
            guard case TLSError.certificateUnusable(let path, let reason) = error else { return false }
            return path == missing && !reason.isEmpty
        }
    }

    @Test func keyThatDoesNotMatchTheCertificateIsRefused() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        try certificates.generate(certificate: "other-cert.pem", key: "other-key.pem")
        #expect {
            try TLSContext(server: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.path("other-key.pem")))
        } throws: { error in
            guard case TLSError.privateKeyUnusable(let path, _) = error else { return false }
            return path == certificates.path("other-key.pem")
        }
    }

    @Test func reloadWithGarbageCertificateKeepsTheCurrentContextAndReportsTheError() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let before = provider.context
        try "not a certificate\n".write(toFile: certificates.certificatePath, atomically: true, encoding: .utf8)
        #expect(throws: TLSError.self) { try provider.reload() }
        #expect(provider.context === before)

        // New connections are still served with the old certificate.
        let server = try await TLSTestServers.webSocketEcho(provider: provider)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        #expect(try await OpenSSLCommandLine.servedFingerprint(port: port) == before.certificateSHA256?.hex)
    }

    @Test func reloadWithMismatchedKeyKeepsTheCurrentContext() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try certificates.generate()
        let provider = try TLSContextProvider(configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath))
        let before = provider.context
        try certificates.generate(certificate: "new-cert.pem", key: "unused-key.pem")
        try certificates.replace(withCertificate: "new-cert.pem", key: "key.pem")
        #expect {
            try provider.reload()
        } throws: { error in
            if case TLSError.privateKeyUnusable = error { return true }
            return false
        }
        #expect(provider.context === before)
    }

    @Test func clientContextWithMissingTrustRootsFileIsRefused() {
        #expect {
            try TLSContext(client: TLSClientConfiguration(trustRootsFile: "/nonexistent/roots.pem"))
        } throws: { error in
            if case TLSError.trustRootsUnusable(let path, _) = error { return path == "/nonexistent/roots.pem" }
            return false
        }
    }
}
