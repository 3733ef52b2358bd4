import COpenSSL

/// A source of cryptographically secure random bytes.
public protocol RandomByteSource: Sendable {
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ShareStoreError)
}

/// OpenSSL's CSPRNG (`RAND_bytes`).
public struct SystemRandomBytes: RandomByteSource {
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ShareStoreError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1 else {
            throw .randomSourceFailed
        }
    }
}

/// Makes share tokens and owner keys: a prefix and 32 characters of base62.
///
/// Each character comes from one random byte by rejection sampling: bytes 248...255 are thrown
/// away and the rest map to `byte % 62`. 248 is the largest multiple of 62 that fits in a byte, so
/// every character is exactly equally likely (a plain `byte % 62` would favour the first 8).
public struct SecretTokenGenerator: Sendable {
    private let random: any RandomByteSource

    public init(random: any RandomByteSource = SystemRandomBytes()) {
        self.random = random
    }

    /// The largest multiple of 62 not above 256: bytes at or above it are rejected.
    static let rejectionThreshold = UInt8(256 / 62 * 62)

    /// `count` uniformly random base62 characters.
    public func base62(count: Int) throws(ShareStoreError) -> String {
        var output = [UInt8]()
        output.reserveCapacity(count)
        // 1.5× the need: one draw almost always suffices (a byte is rejected with p = 8/256).
        var pool = [UInt8](repeating: 0, count: max(16, count + count / 2))
        while output.count < count {
            var failure: ShareStoreError?
            pool.withUnsafeMutableBytes { buffer in
                do throws(ShareStoreError) { try random.fill(buffer) } catch { failure = error }
            }
            if let failure { throw failure }
            for byte in pool where byte < Self.rejectionThreshold {
                output.append(SecretTokenFormat.alphabet[Int(byte % 62)])
                if output.count == count { break }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    public func makeShareToken() throws(ShareStoreError) -> ShareToken {
        ShareToken(stored: ShareToken.prefix + (try base62(count: SecretTokenFormat.randomLength)))
    }

    public func makeOwnerKey() throws(ShareStoreError) -> OwnerKey {
        // Non-empty by construction.
        OwnerKey(OwnerKey.prefix + (try base62(count: SecretTokenFormat.randomLength)))!
    }
}
