import Foundation
import ShareStore
import Testing

@Suite struct SecretTokenTests {
    @Test func shareTokenIsPrefixFollowedBy32Base62Characters() throws {
        let token = try SecretTokenGenerator().makeShareToken()
        let text = token.rawValue
        #expect(text.hasPrefix("clw_share_"))
        #expect(text.count == "clw_share_".count + 32)
        #expect(text.dropFirst(10).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(ShareToken(text) == token)
    }

    @Test func ownerKeyIsOwnerPrefixFollowedBy32Base62Characters() throws {
        let key = try SecretTokenGenerator().makeOwnerKey()
        #expect(key.rawValue.hasPrefix("clw_owner_"))
        #expect(key.rawValue.count == 42)
        #expect(key.hasGeneratedFormat)
    }

    @Test func malformedShareTokensAreRejected() {
        let valid = "clw_share_" + String(repeating: "a", count: 32)
        #expect(ShareToken(valid) != nil)
        for bad in [
            "", "clw_share_", String(valid.dropLast()), valid + "a", "clw_owner_" + String(repeating: "a", count: 32),
            "CLW_SHARE_" + String(repeating: "a", count: 32), "clw_share_" + String(repeating: "a", count: 31) + "-",
            "clw_share_" + String(repeating: "a", count: 31) + "é", " " + valid,
        ] {
            #expect(ShareToken(bad) == nil, "\(bad) should be rejected")
        }
    }

    @Test func rejectionSamplingDiscardsBytesFrom248AndMapsOthersModulo62() throws {
        // 248...255 would bias toward "0"..."7" if reduced modulo 62; they must be skipped.
        let script: [UInt8] = [248, 255, 0, 61, 62, 247, 250, 123] + Array(repeating: 1, count: 64)
        let generator = SecretTokenGenerator(random: ScriptedRandomBytes(script))
        let text = try generator.base62(count: 6)
        // 0 -> "0", 61 -> "z", 62 -> "0", 247 -> 247 % 62 = 61 -> "z", 123 % 62 = 61 -> "z", 1 -> "1"
        #expect(text == "0z0zz1")
    }

    @Test func everyBase62CharacterIsEquallyLikely() throws {
        // Chi-squared over 20,000 tokens (640,000 characters); with 61 degrees of freedom the
        // statistic exceeds 120 with probability below 1e-5. A modulo-biased generator scores ~3,000.
        let generator = SecretTokenGenerator()
        var counts = [Character: Int]()
        for _ in 0..<20_000 {
            for character in try generator.base62(count: 32) { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 62)
        let expected = Double(20_000 * 32) / 62
        let chiSquared = counts.values.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chiSquared < 120, "chi-squared \(chiSquared)")
    }

    @Test func failingRandomSourceFailsTokenGeneration() {
        let generator = SecretTokenGenerator(random: FailingRandomBytes())
        #expect(throws: ShareStoreError.randomSourceFailed) { try generator.makeShareToken() }
    }

    @Test func tokenDescriptionIsRedactedToPrefixAndFourCharacters() throws {
        let token = try #require(ShareToken("clw_share_AbCdEfGhIjKlMnOpQrStUvWxYz012345"))
        #expect("\(token)" == "clw_share_AbCd…")
        #expect(OwnerKey("my-own-secret-key")?.description == "…")
    }

    @Test func constantTimeComparisonAgreesWithEquality() {
        #expect(SecretComparison.equal("clw_share_abc", "clw_share_abc"))
        #expect(!SecretComparison.equal("clw_share_abc", "clw_share_abd"))
        #expect(!SecretComparison.equal("clw_share_abc", "clw_share_ab"))
        #expect(SecretComparison.equal("", ""))
    }

    @Test func ownerKeyMatchesAnyConfiguredKeyInAnyPosition() {
        #expect(SecretComparison.matchesAny("k2", of: ["k1", "k2", "k3"]))
        #expect(SecretComparison.matchesAny("k3", of: ["k1", "k2", "k3"]))
        #expect(!SecretComparison.matchesAny("k4", of: ["k1", "k2", "k3"]))
        #expect(!SecretComparison.matchesAny("", of: []))
    }

    @Test func sha256MatchesTheStandardTestVector() {
        let hex = SecretComparison.sha256("abc".utf8).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func sessionIDAllowsOneTo128CharactersOfTheSpecifiedSet() {
        #expect(SessionID("abc123") != nil)
        #expect(SessionID("A.b_c:d-9") != nil)
        #expect(SessionID(String(repeating: "x", count: 128)) != nil)
        #expect(SessionID(String(repeating: "x", count: 129)) == nil)
        #expect(SessionID("") == nil)
        for bad in ["a b", "a/b", "a%b", "ä", "a\nb", "a;b"] {
            #expect(SessionID(bad) == nil, "\(bad) should be rejected")
        }
    }

    @Test func ownerKeyTrimsSurroundingWhitespace() {
        #expect(OwnerKey("  clw_owner_x\n")?.rawValue == "clw_owner_x")
        #expect(OwnerKey(" \n") == nil)
    }
}

/// Returns the scripted bytes in order, then repeats the last one.
private final class ScriptedRandomBytes: RandomByteSource, @unchecked Sendable {
    private var bytes: [UInt8]
    private let lock = NSLock()

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ShareStoreError) {
        lock.lock()
        defer { lock.unlock() }
        for index in buffer.indices {
            buffer[index] = bytes.count > 1 ? bytes.removeFirst() : bytes[0]
        }
    }
}

private struct FailingRandomBytes: RandomByteSource {
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ShareStoreError) {
        throw .randomSourceFailed
    }
}
