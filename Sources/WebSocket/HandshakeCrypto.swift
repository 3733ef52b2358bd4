import COpenSSL

// The two cryptographic primitives the opening handshake needs, from the system OpenSSL:
// SHA-1 for `Sec-WebSocket-Accept` (RFC 6455 section 4.2.2; SHA-1 is used there as a fingerprint,
// not for security) and a CSPRNG for the client's `Sec-WebSocket-Key` nonce.

enum HandshakeCrypto {
    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA1(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return digest
    }

    /// `count` bytes from OpenSSL's CSPRNG. RAND_bytes only fails when the generator cannot be
    /// seeded; we then fall back to the standard library's generator, which is also a CSPRNG
    /// (getrandom on Linux), rather than trap in the middle of a connect.
    static func randomBytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            RAND_bytes(buffer.baseAddress, Int32(buffer.count))
        }
        if status != 1 {
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices {
                bytes[index] = generator.next()
            }
        }
        return bytes
    }
}
