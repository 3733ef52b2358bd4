import Testing
@testable import WebSocket

// The encodings under the handshake: base64 (RFC 4648) and HTTP header lists (RFC 9110).

@Suite struct HandshakeEncodingTests {
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64MatchesTheRFC4648TestVectorsBothWays(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func base64RoundTripsEveryByteValue() {
        let bytes = (0...255).map { UInt8($0) }
        for count in [0, 1, 2, 3, 16, 20, 256] {
            let slice = Array(bytes.prefix(count))
            #expect(Base64.decode(Base64.encode(slice)) == slice)
        }
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Zm9=", "Z===", "Zm9v=", "Zm 9v", "Zm9v\n", "Zg==Zg==", "Zm-v", "Zm_v"])
    func base64RejectsNonCanonicalOrMalformedInput(encoded: String) {
        #expect(Base64.decode(encoded) == nil)
    }

    @Test func sha1MatchesTheFIPS180Example() {
        #expect(Base64.encode(HandshakeCrypto.sha1(Array("abc".utf8))) == "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")
    }

    @Test func randomBytesHaveTheRequestedLengthAndVary() {
        let samples = (0..<8).map { _ in HandshakeCrypto.randomBytes(count: 16) }
        #expect(samples.allSatisfy { $0.count == 16 })
        #expect(Set(samples.map { Base64.encode($0) }).count == samples.count)
    }

    @Test func listElementsGatherEveryLineTrimAndDropEmptyElements() {
        let headers = HTTPHeaderFields([("Connection", " keep-alive ,, "), ("X", "y"), ("CONNECTION", "\tUpgrade")])
        #expect(headers.listElements("connection") == ["keep-alive", "Upgrade"])
        #expect(headers.listContains("Connection", token: "upgrade"))
        #expect(!headers.listContains("Connection", token: "close"))
    }

    @Test func tokenCharactersFollowRFC9110() {
        #expect(HTTPHeaderFields.isToken("permessage-deflate"))
        #expect(HTTPHeaderFields.isToken("!#$%&'*+-.^_`|~09azAZ"))
        for invalid in ["", "a b", "a,b", "a;b", "a=b", "\"a\"", "a/b", "a\u{e9}"] {
            #expect(!HTTPHeaderFields.isToken(invalid), "\(invalid)")
        }
    }

    @Test func caseInsensitiveComparisonOnlyFoldsLetters() {
        #expect("Sec-WebSocket-Key".asciiCaseInsensitiveEquals("sec-websocket-key"))
        #expect(!"a@".asciiCaseInsensitiveEquals("a`"))  // 0x40 and 0x60 differ only in the case bit
        #expect(!"key".asciiCaseInsensitiveEquals("keys"))
    }
}
