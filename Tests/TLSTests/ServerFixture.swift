import NIOCore
import TLS

/// A fresh certificate and a TLS WebSocket echo server using it, torn down after `body`.
func withTLSEchoServer(
    limits: TLSHandlerLimits = TLSHandlerLimits(),
    _ body: (_ port: Int, _ provider: TLSContextProvider, _ certificates: TestCertificates) async throws -> Void
) async throws {
    let certificates = try TestCertificates()
    defer { certificates.remove() }
    try certificates.generate()
    let provider = try TLSContextProvider(
        configuration: TLSConfiguration(certificateChainFile: certificates.certificatePath, privateKeyFile: certificates.keyPath)
    )
    let server = try await TLSTestServers.webSocketEcho(provider: provider, limits: limits)
    guard let port = server.localAddress?.port else { throw TestFailure("no port") }
    do {
        try await body(port, provider, certificates)
    } catch {
        try? await server.close()
        throw error
    }
    try await server.close()
}
