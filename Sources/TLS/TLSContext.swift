import COpenSSL

/// One loaded OpenSSL `SSL_CTX`: the certificate, key and protocol policy that new connections
/// start from. Immutable once built; connections keep the context they started with alive, so
/// replacing the current context (`TLSContextProvider.reload`) never disturbs an open connection.
///
/// `@unchecked Sendable`: the `SSL_CTX` is fully configured in the initializer and never changed
/// afterwards; OpenSSL documents `SSL_new` on a shared, unchanging `SSL_CTX` as thread-safe.
public final class TLSContext: @unchecked Sendable {
    /// Which end of the handshake connections made from this context play.
    public enum Side: Sendable { case server, client }

    let pointer: OpaquePointer
    public let side: Side
    /// Client side: whether the server's chain and host name are verified.
    let verifiesPeer: Bool
    /// SHA-256 of the leaf certificate (server side), for logs and for checking a reload took effect.
    public let certificateSHA256: [UInt8]?
    /// ALPN protocol list in wire format (length-prefixed), owned here because the server's
    /// selection callback reads it for as long as any connection made from this context lives.
    private let alpnWireFormat: UnsafeMutableBufferPointer<UInt8>?

    /// Loads a server context: certificate chain and key from PEM files, TLS 1.2/1.3 policy.
    public convenience init(server configuration: TLSConfiguration) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw .contextSetupFailed(reason: OpenSSLErrorQueue.drain())
        }
        do throws(TLSError) {
            try Self.applyPolicy(ctx, minimumVersion: configuration.minimumVersion)
            // An encrypted key would make OpenSSL prompt on the terminal; a daemon fails instead.
            SSL_CTX_set_default_passwd_cb(ctx) { _, _, _, _ in 0 }
            guard SSL_CTX_use_certificate_chain_file(ctx, configuration.certificateChainFile) == 1 else {
                throw TLSError.certificateUnusable(path: configuration.certificateChainFile, reason: OpenSSLErrorQueue.drain())
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, configuration.privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError.privateKeyUnusable(path: configuration.privateKeyFile, reason: OpenSSLErrorQueue.drain())
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError.privateKeyUnusable(
                    path: configuration.privateKeyFile,
                    reason: "does not match the certificate: " + OpenSSLErrorQueue.drain()
                )
            }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        let wire = Self.wireFormat(configuration.applicationProtocols)
        if let wire {
            SSL_CTX_set_alpn_select_cb(ctx, Self.selectApplicationProtocol, UnsafeMutableRawPointer(wire.baseAddress))
        }
        self.init(pointer: ctx, side: .server, verifiesPeer: false, certificateSHA256: Self.leafFingerprint(ctx), alpn: wire)
    }

    /// Builds a client context (wss://): same protocol policy, trust roots from a file or the system.
    public convenience init(client configuration: TLSClientConfiguration) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw .contextSetupFailed(reason: OpenSSLErrorQueue.drain())
        }
        do throws(TLSError) {
            try Self.applyPolicy(ctx, minimumVersion: .tls12)
            if configuration.verifiesPeer {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
                if let roots = configuration.trustRootsFile {
                    guard SSL_CTX_load_verify_locations(ctx, roots, nil) == 1 else {
                        throw TLSError.trustRootsUnusable(path: roots, reason: OpenSSLErrorQueue.drain())
                    }
                } else {
                    guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                        throw TLSError.contextSetupFailed(reason: OpenSSLErrorQueue.drain())
                    }
                }
            } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        let wire = Self.wireFormat(configuration.applicationProtocols)
        // SSL_CTX_set_alpn_protos copies the list and, unusually, returns 0 on success.
        if let wire, SSL_CTX_set_alpn_protos(ctx, wire.baseAddress, UInt32(wire.count - 1)) != 0 {
            wire.deallocate()
            SSL_CTX_free(ctx)
            throw .contextSetupFailed(reason: "ALPN list rejected: " + OpenSSLErrorQueue.drain())
        }
        wire?.deallocate()
        self.init(pointer: ctx, side: .client, verifiesPeer: configuration.verifiesPeer, certificateSHA256: nil, alpn: nil)
    }

    private init(pointer: OpaquePointer, side: Side, verifiesPeer: Bool, certificateSHA256: [UInt8]?, alpn: UnsafeMutableBufferPointer<UInt8>?) {
        self.pointer = pointer
        self.side = side
        self.verifiesPeer = verifiesPeer
        self.certificateSHA256 = certificateSHA256
        self.alpnWireFormat = alpn
    }

    deinit {
        SSL_CTX_free(pointer)
        alpnWireFormat?.deallocate()
    }

    /// A new connection object; nil only when OpenSSL is out of memory.
    func makeConnection() -> OpaquePointer? {
        SSL_new(pointer)
    }

    /// The fixed protocol policy shared by both sides (see `TLSConfiguration`).
    private static func applyPolicy(_ ctx: OpaquePointer, minimumVersion: TLSVersion) throws(TLSError) {
        guard share_relay_SSL_CTX_set_min_proto_version(ctx, minimumVersion.openSSLValue) == 1,
              share_relay_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1
        else {
            throw .contextSetupFailed(reason: "protocol versions: " + OpenSSLErrorQueue.drain())
        }
        guard SSL_CTX_set_cipher_list(ctx, TLSConfiguration.tls12CipherList) == 1 else {
            throw .contextSetupFailed(reason: "TLS 1.2 cipher list: " + OpenSSLErrorQueue.drain())
        }
        share_relay_SSL_CTX_set_hardening_options(ctx)
    }

    private static func leafFingerprint(_ ctx: OpaquePointer) -> [UInt8]? {
        guard let certificate = SSL_CTX_get0_certificate(ctx) else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return nil }
        return Array(digest.prefix(Int(length)))
    }

    /// ALPN wire format: each name prefixed with its length byte, plus a terminating zero byte (an
    /// empty name, which ALPN forbids) so the C callback can find the end. Names longer than 255
    /// bytes or empty cannot be expressed and are skipped.
    private static func wireFormat(_ protocols: [String]) -> UnsafeMutableBufferPointer<UInt8>? {
        var bytes: [UInt8] = []
        for name in protocols where !name.utf8.isEmpty && name.utf8.count <= 255 {
            bytes.append(UInt8(name.utf8.count))
            bytes.append(contentsOf: name.utf8)
        }
        guard !bytes.isEmpty else { return nil }
        bytes.append(0)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }

    /// Server ALPN selection: the server's preference order among what the client offered; no
    /// overlap means no ALPN (the handshake continues) rather than a fatal alert.
    private static let selectApplicationProtocol: @convention(c) (
        OpaquePointer?,
        UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
        UnsafeMutablePointer<UInt8>?,
        UnsafePointer<UInt8>?,
        UInt32,
        UnsafeMutableRawPointer?
    ) -> Int32 = { _, out, outLength, offered, offeredLength, argument in
        guard let out, let outLength, let offered, let argument else { return SSL_TLSEXT_ERR_NOACK }
        let server = argument.assumingMemoryBound(to: UInt8.self)
        // The stored list ends with a zero length byte (see `wireFormat`).
        var serverLength = 0
        while server[serverLength] != 0 { serverLength += Int(server[serverLength]) + 1 }
        var selected: UnsafeMutablePointer<UInt8>?
        var selectedLength: UInt8 = 0
        let result = SSL_select_next_proto(&selected, &selectedLength, server, UInt32(serverLength), offered, offeredLength)
        guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_NOACK }
        out.pointee = UnsafePointer(selected)
        outLength.pointee = selectedLength
        return SSL_TLSEXT_ERR_OK
    }
}
