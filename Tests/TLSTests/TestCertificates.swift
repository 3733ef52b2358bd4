import Foundation

/// Self-signed certificates made on the fly with the `openssl` command, in a temporary directory
/// the test removes afterwards. Each certificate is valid for `localhost` and `127.0.0.1`.
struct TestCertificates {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    var certificatePath: String { path("cert.pem") }
    var keyPath: String { path("key.pem") }

    /// Writes a new EC P-256 key and certificate to `cert.pem` / `key.pem` (or the given names).
    func generate(commonName: String = "localhost", certificate: String = "cert.pem", key: String = "key.pem") throws {
        let (status, output) = try ExternalProcess.runBlocking("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path(key), "-out", path(certificate), "-days", "2",
            "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        guard status == 0 else { throw TestFailure("openssl req failed: \(output)") }
    }

    /// Replaces `cert.pem` / `key.pem` atomically (rename), as certbot's symlink switch does.
    func replace(withCertificate certificate: String, key: String) throws {
        _ = rename(path(certificate), certificatePath)
        _ = rename(path(key), keyPath)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
