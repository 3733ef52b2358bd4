import NIOCore
import Testing
@testable import Relay

@Suite struct JSONValidatorTests {
    let validator = JSONValidator()

    static let accepted: [String] = [
        "0", "-0", "1", "-1", "123", "1.5", "-0.25", "1e10", "1E+2", "1e-2", "0.0e0", "-12.34E-56",
        "true", "false", "null", #""""#, #""abc""#, " \t\r\n 42 \n",
        #""\"\\\/\b\f\n\r\t\u0041\u00e9\uD83D\uDE00""#, #""\uDEAD""#, #""é😀""#,
        "[]", "{}", "[1,2,3]", "[ 1 , [ 2 , { } ] ]", #"{"a":1}"#, #"{ "a" : [ true , null ] , "b" : {"c":"d"} }"#,
        #"{"a":1,"a":2}"#, #"[[[[[[[[[[]]]]]]]]]]"#,
        #"{"jsonrpc":"2.0","method":"session.messageCreated","params":{"text":"hi"}}"#,
    ]

    static let rejected: [(String, JSONSyntaxError.Reason)] = [
        ("", .empty), ("   ", .empty),
        ("01", .trailingData), ("1.", .invalidNumber), (".5", .unexpectedByte(UInt8(ascii: "."))),
        ("+1", .unexpectedByte(UInt8(ascii: "+"))), ("1e", .invalidNumber), ("1e+", .invalidNumber),
        ("-", .invalidNumber), ("--1", .invalidNumber), ("0x10", .trailingData), ("1 2", .trailingData),
        ("tru", .invalidLiteral), ("True", .unexpectedByte(UInt8(ascii: "T"))), ("nul", .invalidLiteral),
        ("nan", .invalidLiteral), ("Infinity", .unexpectedByte(UInt8(ascii: "I"))),
        (#""abc"#, .unexpectedEnd), (#""a\x""#, .invalidEscape), (#""\u12G4""#, .invalidEscape),
        (#""\u12""#, .invalidEscape), ("\"a\u{01}b\"", .controlCharacterInString),
        ("\"tab\there\"", .controlCharacterInString), (#""\"#, .unexpectedEnd),
        ("[", .unexpectedEnd), ("[1,]", .unexpectedByte(UInt8(ascii: "]"))), ("[1 2]", .unexpectedByte(UInt8(ascii: "2"))),
        ("{", .unexpectedEnd), (#"{"a"}"#, .unexpectedByte(UInt8(ascii: "}"))), (#"{"a":}"#, .unexpectedByte(UInt8(ascii: "}"))),
        (#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}"))), ("{a:1}", .unexpectedByte(UInt8(ascii: "a"))),
        (#"{"a" 1}"#, .unexpectedByte(UInt8(ascii: "1"))), ("[1]]", .trailingData), ("{}{}", .trailingData),
        (#"{'a':1}"#, .unexpectedByte(UInt8(ascii: "'"))), ("[1,2", .unexpectedEnd), ("]", .unexpectedByte(UInt8(ascii: "]"))),
        ("\u{FEFF}1", .unexpectedByte(0xEF)), ("1\u{0}", .trailingData),
    ]

    @Test(arguments: accepted)
    func acceptsValidJSON(_ text: String) throws {
        try validator.validate(bytes(text))
    }

    @Test(arguments: rejected)
    func rejectsInvalidJSON(_ text: String, reason: JSONSyntaxError.Reason) {
        #expect(throws: JSONSyntaxError.self) { try validator.validate(bytes(text)) }
        do {
            try validator.validate(bytes(text))
        } catch {
            #expect(error.reason == reason, "\(text)")
        }
    }

    @Test func errorCarriesOffsetAndReadableMessage() {
        do {
            try validator.validate(bytes(#"{"a":[1,}"#))
            Issue.record("accepted invalid JSON")
        } catch {
            #expect(error.offset == 8)
            #expect(error.message == "Parse error: unexpected byte 0x7D at offset 8")
        }
    }

    @Test func nestingBeyondTheLimitIsRejected() throws {
        let limited = JSONValidator(maxDepth: 3)
        try limited.validate(bytes("[[[1]]]"))
        #expect(throws: JSONSyntaxError(reason: .tooDeep(limit: 3), offset: 3)) {
            try limited.validate(bytes("[[[[1]]]]"))
        }
        // Deep nesting beyond the inline 64-level stack, mixing objects and arrays.
        let depth = 200
        var deep = ""
        for level in 0..<depth { deep += level % 2 == 0 ? #"{"k":"# : "[" }
        deep += "0"
        for level in (0..<depth).reversed() { deep += level % 2 == 0 ? "}" : "]" }
        try validator.validate(bytes(deep))
        // Same depth with one closer swapped: the bit stack must know which container is open.
        var wrong = deep
        let closerIndex = wrong.index(wrong.endIndex, offsetBy: -100)
        wrong.replaceSubrange(closerIndex...closerIndex, with: wrong[closerIndex] == "}" ? "]" : "}")
        #expect(throws: JSONSyntaxError.self) { try validator.validate(bytes(wrong)) }
        #expect(throws: JSONSyntaxError(reason: .tooDeep(limit: 256), offset: 256)) {
            try validator.validate(bytes(String(repeating: "[", count: 300) + String(repeating: "]", count: 300)))
        }
    }

    @Test func specialBytesAreFoundAtEveryPositionOfTheWordScan() throws {
        // A quote, backslash or control character at each offset of an 8-byte word, after bytes
        // that are ordinary, multi-byte UTF-8, or just below/above the special values.
        for length in 0..<24 {
            for filler in ["a", "é", "!", "#", "[", "]", "~"] {
                let body = String(repeating: filler, count: length)
                try validator.validate(bytes("\"\(body)\""))
                try validator.validate(bytes("\"\(body)\\n\(body)\""))
                #expect(throws: JSONSyntaxError(reason: .controlCharacterInString, offset: 1 + body.utf8.count)) {
                    try validator.validate(bytes("\"\(body)\u{1F}\(body)\""))
                }
                #expect(throws: JSONSyntaxError(reason: .unexpectedEnd, offset: 1 + body.utf8.count)) {
                    try validator.validate(bytes("\"\(body)"))
                }
            }
        }
    }

    @Test func validatesReaderIndexRelativeBytes() throws {
        var buffer = bytes("garbage")
        buffer.moveReaderIndex(forwardBy: 7)
        buffer.writeString(#"{"ok":true}"#)
        try validator.validate(buffer)
    }
}

@Suite struct PresenterMessageClassificationTests {
    let validator = JSONValidator()

    func classify(_ text: String) throws -> PresenterMessageKind {
        try validator.classify(bytes(text))
    }

    @Test func requestWithJSONRPCMethodAndIDIsRPC() throws {
        let text = #"{"jsonrpc":"2.0","id":7,"method":"relay.sync"}"#
        guard case let .rpcRequest(outline) = try classify(text) else {
            Issue.record("not classified as RPC")
            return
        }
        #expect(outline.method(in: bytes(text)) == "relay.sync")
        #expect(outline.rawID(in: bytes(text)).string == "7")
    }

    @Test func memberOrderWhitespaceAndIDTypesDoNotMatter() throws {
        let text = #" { "method" : "session.shareList" , "params" : {"x":[1,{"id":0}]}, "id" : "req-1" , "jsonrpc" : "2.0" } "#
        guard case let .rpcRequest(outline) = try classify(text) else {
            Issue.record("not classified as RPC")
            return
        }
        #expect(outline.method(in: bytes(text)) == "session.shareList")
        #expect(outline.rawID(in: bytes(text)).string == #""req-1""#)
        guard case let .rpcRequest(nullID) = try classify(#"{"jsonrpc":"2.0","method":"m","id":null}"#) else {
            Issue.record("null id not classified as RPC")
            return
        }
        #expect(nullID.rawID(in: bytes(#"{"jsonrpc":"2.0","method":"m","id":null}"#)).string == "null")
    }

    @Test func notificationsAndOtherValuesAreEvents() throws {
        let events = [
            #"{"jsonrpc":"2.0","method":"session.messageCreated","params":{"id":"m1"}}"#,
            #"{"jsonrpc":"1.0","method":"x","id":1}"#,
            #"{"jsonrpc":2.0,"method":"x","id":1}"#,
            #"{"method":"x","id":1}"#,
            #"{"jsonrpc":"2.0","id":1}"#,
            #"{"params":{"jsonrpc":"2.0","method":"x","id":1}}"#,
            #"[{"jsonrpc":"2.0","method":"x","id":1}]"#,
            #""jsonrpc""#, "42", "{}",
        ]
        for text in events {
            #expect(try classify(text) == .event, "\(text)")
        }
    }

    @Test func escapedKeysAndValuesAreComparedByMeaning() throws {
        let text = #"{"json\u0072pc":"2\u002e0","m\u0065thod":"relay.s\u0079nc","\u0069d":1}"#
        guard case let .rpcRequest(outline) = try classify(text) else {
            Issue.record("escaped request not classified as RPC")
            return
        }
        #expect(outline.method(in: bytes(text)) == "relay.sync")
    }

    @Test func lastDuplicateKeyWins() throws {
        #expect(try classify(#"{"jsonrpc":"2.0","method":"x","id":1,"jsonrpc":"1.0"}"#) == .event)
        #expect(try classify(#"{"jsonrpc":"1.0","method":"x","id":1,"jsonrpc":"2.0"}"#) != .event)
    }

    @Test func nonStringMethodIsStillRoutedToRPCForItsError() throws {
        let text = #"{"jsonrpc":"2.0","method":5,"id":1}"#
        guard case let .rpcRequest(outline) = try classify(text) else {
            Issue.record("not classified as RPC")
            return
        }
        #expect(outline.method(in: bytes(text)) == nil)
    }

    @Test func invalidJSONIsNeverClassified() {
        #expect(throws: JSONSyntaxError.self) { try classify(#"{"jsonrpc":"2.0","method":"x","id":1"#) }
    }
}
