import NIOCore

/// What a TLS server needs from the operator: a certificate chain and its key, both PEM files.
/// The protocol policy can only be tightened, never weakened, by configuration:
/// TLS 1.2 and 1.3 only (`minimumVersion` may raise the floor to 1.3); for TLS 1.2 only ECDHE key exchange with AEAD ciphers (forward secrecy,
/// no CBC); for TLS 1.3 OpenSSL's default suites (all AEAD); no compression; no renegotiation.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM file: the leaf certificate first, then intermediates (what certbot calls fullchain.pem).
    public var certificateChainFile: String
    /// PEM file with the private key of the leaf certificate (RSA or EC, unencrypted).
    public var privateKeyFile: String
    /// ALPN protocols the server accepts, most preferred first; empty disables ALPN. A client that
    /// offers ALPN with none of these still connects (without a negotiated protocol).
    public var applicationProtocols: [String]
    /// Oldest protocol version accepted (configuration key `tls.minimumVersion`). Default TLS 1.2.
    public var minimumVersion: TLSVersion

    public init(
        certificateChainFile: String,
        privateKeyFile: String,
        applicationProtocols: [String] = ["http/1.1"],
        minimumVersion: TLSVersion = .tls12
    ) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.applicationProtocols = applicationProtocols
        self.minimumVersion = minimumVersion
    }

    /// TLS 1.2 cipher suites: ECDHE + AEAD only (Mozilla's "intermediate" list without DHE).
    static let tls12CipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
}

/// What a TLS client (wss://) needs: whom to trust and which name to check.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// PEM file of trusted roots; nil uses the system's default trust store.
    public var trustRootsFile: String?
    /// Verify the server's certificate chain and host name. Only tests should turn this off.
    public var verifiesPeer: Bool
    /// ALPN protocols offered, most preferred first; empty offers none.
    public var applicationProtocols: [String]

    public init(trustRootsFile: String? = nil, verifiesPeer: Bool = true, applicationProtocols: [String] = []) {
        self.trustRootsFile = trustRootsFile
        self.verifiesPeer = verifiesPeer
        self.applicationProtocols = applicationProtocols
    }
}
