import Foundation

/// The `openssl` command as an independent TLS client and certificate inspector.
enum OpenSSLCommandLine {
    static let path = "/usr/bin/openssl"

    /// `openssl s_client` against 127.0.0.1:port with extra flags and empty input: it handshakes,
    /// reads EOF on stdin and closes. Exit status 0 means the handshake succeeded.
    static func connect(port: Int, _ flags: [String]) async throws -> (Int32, String) {
        try await ExternalProcess.run(path, ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + flags, timeout: 30)
    }

    /// SHA-256 fingerprint (lower-case hex, no colons) of the certificate the server presents now.
    static func servedFingerprint(port: Int) async throws -> String {
        let command = "\(path) s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | \(path) x509 -noout -fingerprint -sha256"
        let (status, output) = try await ExternalProcess.run("/bin/sh", ["-c", command], timeout: 30)
        guard status == 0 else { throw TestFailure("fingerprint failed: \(output)") }
        return normalize(output)
    }

    /// SHA-256 fingerprint of a PEM certificate file.
    static func fileFingerprint(_ file: String) throws -> String {
        let (status, output) = try ExternalProcess.runBlocking(path, ["x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
        guard status == 0 else { throw TestFailure("x509 failed: \(output)") }
        return normalize(output)
    }

    /// `sha256 Fingerprint=AB:CD:...` → `abcd...`
    private static func normalize(_ output: String) -> String {
        let value = output.split(separator: "=", maxSplits: 1).last ?? ""
        return value.filter { $0.isHexDigit }.lowercased()
    }
}
