import Testing
import WebSocket

/// HTTP's optional whitespace (RFC 9110 section 5.6.3) is spaces and horizontal tabs only.
struct OptionalWhitespaceTests {
    @Test func spacesAndTabsAroundAValueAreTrimmedAndInnerOnesKept() {
        #expect("  \t share-relay.v1, x \t ".dropFirst(0).trimmingOptionalWhitespace() == "share-relay.v1, x")
    }

    @Test func aValueOfOnlyWhitespaceTrimsToEmpty() {
        #expect(" \t \t".dropFirst(0).trimmingOptionalWhitespace() == "")
        #expect("".dropFirst(0).trimmingOptionalWhitespace() == "")
    }

    @Test func multiByteCharactersAtEitherEndAreKeptWhole() {
        #expect(" é-token-ü ".dropFirst(0).trimmingOptionalWhitespace() == "é-token-ü")
    }

    @Test func otherUnicodeSpacesAreNotOptionalWhitespace() {
        #expect("\u{00A0}a\u{00A0}".dropFirst(0).trimmingOptionalWhitespace() == "\u{00A0}a\u{00A0}")
    }
}
