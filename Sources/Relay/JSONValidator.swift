import NIOCore

/// A strict RFC 8259 validator for presenter frames, which also tells JSON-RPC requests from
/// events in the same pass (`classify(_:)`).
///
/// Strict means: exactly one value (any type, as RFC 8259 allows), optional whitespace around it,
/// nothing after it, numbers and literals exactly as the grammar says, only the escapes the grammar
/// lists, no raw control characters in strings, and containers nested at most `maxDepth` deep.
/// UTF-8 validity is not re-checked: the WebSocket layer has already rejected text frames that are
/// not valid UTF-8. `\u` escapes of lone surrogates are accepted (the grammar allows them; so do
/// `JSON.parse` and Python's `json`).
///
/// The scan is iterative (no recursion, so hostile nesting cannot overflow the stack), allocates
/// nothing below 64 levels of nesting, and skips string contents eight bytes at a time.
public struct JSONValidator: Sendable {
    /// Default nesting limit: far beyond real event payloads, far below what breaks recursive
    /// parsers in viewers (Python's default recursion limit is 1000).
    public static let defaultMaxDepth = 256

    public var maxDepth: Int

    public init(maxDepth: Int = JSONValidator.defaultMaxDepth) {
        precondition(maxDepth >= 1, "maxDepth must be at least 1")
        self.maxDepth = maxDepth
    }

    /// Checks that `message` (its readable bytes) is exactly one JSON value.
    public func validate(_ message: ByteBuffer) throws(JSONSyntaxError) {
        _ = try classify(message)
    }

    /// Validates `message` and says whether it is a JSON-RPC request or an event.
    public func classify(_ message: ByteBuffer) throws(JSONSyntaxError) -> PresenterMessageKind {
        let result = message.withUnsafeReadableBytes { bytes in
            var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
            return scanner.run()
        }
        return try result.get()
    }
}

/// The scanner behind `JSONValidator`: a loop over "expect a value" and "after a value" states
/// with the open containers kept as a bit stack (1 = object, 0 = array).
private struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    private let maxDepth: Int
    private var position = 0

    private var depth = 0
    private var inlineStack: UInt64 = 0
    private var overflowStack: [UInt64] = []

    // Classification of the top-level object's members.
    private enum MemberKey { case jsonrpc, method, id, other }
    private var topLevelIsObject = false
    private var currentKey = MemberKey.other
    private var valueStart = 0
    private var jsonrpcIs20 = false
    private var methodRange: Range<Int>?
    private var idRange: Range<Int>?
    /// Set by `scanString` when the string it just scanned contained an escape.
    private var lastStringHadEscape = false

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.end = bytes.count
        self.maxDepth = maxDepth
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    mutating func run() -> Result<PresenterMessageKind, JSONSyntaxError> {
        skipWhitespace()
        guard position < end else { return .failure(JSONSyntaxError(reason: .empty, offset: position)) }
        topLevelIsObject = bytes[position] == UInt8(ascii: "{")
        do {
            try scanDocument()
        } catch {
            return .failure(error)
        }
        if topLevelIsObject, jsonrpcIs20, let methodRange, let idRange {
            return .success(.rpcRequest(RPCRequestOutline(methodRange: methodRange, idRange: idRange)))
        }
        return .success(.event)
    }

    private func fail(_ reason: JSONSyntaxError.Reason) -> JSONSyntaxError {
        JSONSyntaxError(reason: reason, offset: position)
    }

    private mutating func scanDocument() throws(JSONSyntaxError) {
        expectValue: while true {
            guard position < end else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                try push(isObject: true)
                position += 1
                skipWhitespace()
                if position < end, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    pop()
                } else {
                    try scanMemberKeyAndColon()
                    continue expectValue
                }
            case UInt8(ascii: "["):
                try push(isObject: false)
                position += 1
                skipWhitespace()
                if position < end, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    pop()
                } else {
                    continue expectValue
                }
            case Self.quote:
                try scanString()
            case UInt8(ascii: "t"):
                try scanLiteral("true")
            case UInt8(ascii: "f"):
                try scanLiteral("false")
            case UInt8(ascii: "n"):
                try scanLiteral("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try scanNumber()
            case let byte:
                throw fail(.unexpectedByte(byte))
            }

            // A value just ended at `position`; close containers until another value is expected.
            while true {
                if depth == 1, topLevelIsObject {
                    recordTopLevelMember()
                }
                skipWhitespace()
                if depth == 0 {
                    guard position == end else { throw fail(.trailingData) }
                    return
                }
                guard position < end else { throw fail(.unexpectedEnd) }
                let byte = bytes[position]
                if topIsObject {
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        skipWhitespace()
                        try scanMemberKeyAndColon()
                        continue expectValue
                    }
                    guard byte == UInt8(ascii: "}") else { throw fail(.unexpectedByte(byte)) }
                } else {
                    if byte == UInt8(ascii: ",") {
                        position += 1
                        skipWhitespace()
                        continue expectValue
                    }
                    guard byte == UInt8(ascii: "]") else { throw fail(.unexpectedByte(byte)) }
                }
                position += 1
                pop()
            }
        }
    }

    // MARK: Containers

    private var topIsObject: Bool {
        let level = depth - 1
        if level < 64 {
            return inlineStack & (1 << UInt64(level)) != 0
        }
        let overflowLevel = level - 64
        return overflowStack[overflowLevel >> 6] & (1 << UInt64(overflowLevel & 63)) != 0
    }

    private mutating func push(isObject: Bool) throws(JSONSyntaxError) {
        guard depth < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        let bit: UInt64 = isObject ? 1 : 0
        if depth < 64 {
            inlineStack = (inlineStack & ~(1 << UInt64(depth))) | (bit << UInt64(depth))
        } else {
            let overflowLevel = depth - 64
            let word = overflowLevel >> 6
            if word == overflowStack.count { overflowStack.append(0) }
            let shift = UInt64(overflowLevel & 63)
            overflowStack[word] = (overflowStack[word] & ~(1 << shift)) | (bit << shift)
        }
        depth += 1
    }

    private mutating func pop() {
        depth -= 1
    }

    /// At a member's key: scans `"key"`, whitespace, `:` and whitespace, leaving `position` at the value.
    private mutating func scanMemberKeyAndColon() throws(JSONSyntaxError) {
        guard position < end else { throw fail(.unexpectedEnd) }
        guard bytes[position] == Self.quote else { throw fail(.unexpectedByte(bytes[position])) }
        let keyStart = position
        try scanString()
        if depth == 1 {
            currentKey = classifyKey(keyStart..<position)
        }
        skipWhitespace()
        guard position < end else { throw fail(.unexpectedEnd) }
        guard bytes[position] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(bytes[position])) }
        position += 1
        skipWhitespace()
        valueStart = position
    }

    // MARK: Classification

    private func classifyKey(_ range: Range<Int>) -> MemberKey {
        if !lastStringHadEscape {
            switch range.count - 2 {
            case 7 where rawEquals(range, "\"jsonrpc\""): return .jsonrpc
            case 6 where rawEquals(range, "\"method\""): return .method
            case 2 where rawEquals(range, "\"id\""): return .id
            default: return .other
            }
        }
        switch JSONStringDecoding.decode(UnsafeRawBufferPointer(rebasing: bytes[range])) {
        case "jsonrpc": return .jsonrpc
        case "method": return .method
        case "id": return .id
        default: return .other
        }
    }

    private mutating func recordTopLevelMember() {
        let range = valueStart..<position
        switch currentKey {
        case .jsonrpc:
            if bytes[range.lowerBound] != Self.quote {
                jsonrpcIs20 = false
            } else if rawEquals(range, "\"2.0\"") {
                jsonrpcIs20 = true
            } else {
                jsonrpcIs20 = JSONStringDecoding.decode(UnsafeRawBufferPointer(rebasing: bytes[range])) == "2.0"
            }
        case .method: methodRange = range
        case .id: idRange = range
        case .other: break
        }
        currentKey = .other
    }

    private func rawEquals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != expected[offset] {
            return false
        }
        return true
    }

    // MARK: Scalars

    private mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let length = literal.utf8CodeUnitCount
        guard position + length <= end, rawEquals(position..<(position + length), literal) else {
            throw fail(.invalidLiteral)
        }
        position += length
    }

    private func isDigit(_ offset: Int) -> Bool {
        offset < end && bytes[offset] &- UInt8(ascii: "0") < 10
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < end else { throw fail(.invalidNumber) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if isDigit(position) {
            repeat { position += 1 } while isDigit(position)
        } else {
            throw fail(.invalidNumber)
        }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw fail(.invalidNumber) }
            repeat { position += 1 } while isDigit(position)
        }
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard isDigit(position) else { throw fail(.invalidNumber) }
            repeat { position += 1 } while isDigit(position)
        }
    }

    /// At an opening quote: scans to just past the closing quote, checking escapes and control
    /// characters. Eight bytes at a time until one of `"`, `\` or a byte below 0x20 shows up.
    private mutating func scanString() throws(JSONSyntaxError) {
        position += 1
        lastStringHadEscape = false
        let base = bytes.baseAddress!
        while true {
            while position + 8 <= end {
                let word = UInt64(littleEndian: (base + position).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(in: word)
                if special == 0 {
                    position += 8
                    continue
                }
                position += special.trailingZeroBitCount >> 3
                break
            }
            guard position < end else { throw fail(.unexpectedEnd) }
            let byte = bytes[position]
            if byte == Self.quote {
                position += 1
                return
            }
            if byte == Self.backslash {
                lastStringHadEscape = true
                try scanEscape()
            } else if byte < 0x20 {
                throw fail(.controlCharacterInString)
            } else {
                position += 1
            }
        }
    }

    /// High bit set in each byte lane of `word` holding `"`, `\` or a control character. Lanes
    /// above the first flagged one may be flagged falsely (borrows), the lowest flagged lane is exact.
    @inline(__always)
    private static func specialBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & highBits
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        position += 1
        guard position < end else { throw fail(.unexpectedEnd) }
        switch bytes[position] {
        case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
        case UInt8(ascii: "u"):
            for _ in 1...4 {
                position += 1
                guard position < end else { throw fail(.unexpectedEnd) }
                guard JSONStringDecoding.hexValue(bytes[position]) != nil else { throw fail(.invalidEscape) }
            }
            position += 1
        default:
            throw fail(.invalidEscape)
        }
    }
}
