import RPC
import Testing

@Suite struct JSONTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00\n"], "b": {}} "#)
        #expect(value == ["a": [1, .number(JSONNumber("-2.5e3")!), true, false, nil, "xé😀\n"], "b": [:]])
    }

    @Test func writesCompactJSONWithMembersInOrderAndEscapes() {
        let value: JSONValue = ["z": 1, "a": ["q\"\\\u{1}\n\t/é"], "n": nil]
        #expect(String(decoding: value.encoded(), as: UTF8.self) == #"{"z":1,"a":["q\"\\\u0001\n\t/é"],"n":null}"#)
    }

    @Test(arguments: [
        ("", "unexpected end of input at byte 0"),
        ("{", "expected a string key at byte 1"),
        ("{\"a\":1,}", "expected a string key at byte 7"),
        ("[1,]", "unexpected character at byte 3"),
        ("[1 2]", "expected ',' or ']' at byte 3"),
        ("01", "invalid number at byte 0"),
        ("1.", "invalid number at byte 0"),
        ("-", "invalid number at byte 0"),
        ("1e", "invalid number at byte 0"),
        ("tru", "invalid literal at byte 0"),
        ("\"abc", "unterminated string at byte 4"),
        ("\"a\u{1}b\"", "unescaped control character in string at byte 2"),
        ("\"\\x\"", "invalid escape at byte 3"),
        ("\"\\ud800\"", "lone surrogate in string at byte 7"),
        ("\"\\udc00\"", "lone surrogate in string at byte 7"),
        ("{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7"),
        ("{} x", "unexpected data after the JSON value at byte 3"),
        ("'a'", "unexpected character at byte 0"),
    ])
    func malformedJSONIsRefusedWithReasonAndOffset(text: String, expected: String) {
        do {
            _ = try parse(text)
            Issue.record("\(text) should be refused")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func nestingIsLimited() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(fine)
    }

    @Test func integerValueIsExactOrAbsent() {
        #expect(JSONNumber("3600")?.int64Value == 3600)
        #expect(JSONNumber("3600.0")?.int64Value == 3600)
        #expect(JSONNumber("3.6e3")?.int64Value == 3600)
        #expect(JSONNumber("3600.5")?.int64Value == nil)
        #expect(JSONNumber("99999999999999999999")?.int64Value == nil)
        #expect(JSONNumber("1e400")?.int64Value == nil)
        #expect(JSONNumber("-0")?.int64Value == 0)
    }
}
