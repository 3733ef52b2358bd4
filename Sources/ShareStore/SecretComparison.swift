import COpenSSL

/// Comparisons and digests of secrets that take the same time wherever the inputs differ.
public enum SecretComparison {
    /// True when `a` and `b` hold the same bytes. Runs in time that depends only on the length
    /// (OpenSSL's `CRYPTO_memcmp`), so it does not reveal how long a matching prefix is. The
    /// lengths themselves are not secret here: every token and key of one kind has the same length.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let a = Array(a)
        let b = Array(b)
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { aBytes in
            b.withUnsafeBytes { bBytes in
                CRYPTO_memcmp(aBytes.baseAddress, bBytes.baseAddress, aBytes.count) == 0
            }
        }
    }

    public static func equal(_ a: String, _ b: String) -> Bool {
        equal(a.utf8, b.utf8)
    }

    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        input.withUnsafeBufferPointer { inputBuffer in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA256(inputBuffer.baseAddress, inputBuffer.count, output.baseAddress)
            }
        }
        return digest
    }

    /// True when `presented` equals one of `accepted`. Every candidate is compared (no early
    /// exit) and the comparison is over SHA-256 digests, so neither the position of the matching
    /// key nor the lengths of the configured keys show in the timing.
    public static func matchesAny(_ presented: String, of accepted: [String]) -> Bool {
        let presentedDigest = sha256(presented.utf8)
        var matched = false
        for candidate in accepted {
            matched = equal(presentedDigest, sha256(candidate.utf8)) || matched
        }
        return matched
    }
}
