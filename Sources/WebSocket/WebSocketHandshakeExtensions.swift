// The `Sec-WebSocket-Extensions` header (RFC 6455 section 9.1):
//
//     extension-list  = 1#extension
//     extension       = extension-token *( ";" extension-param )
//     extension-param = token [ "=" (token | quoted-string) ]
//
// A quoted-string value must be a token once unescaped. The parser keeps every element in order
// and marks malformed ones instead of giving up on the whole header, so that a server can skip
// a bad offer and still accept the next one, while a client can reject any malformed response.

/// One element of a `Sec-WebSocket-Extensions` header: an extension name and its parameters,
/// names lowercased (extension tokens are compared case-insensitively).
struct WebSocketHandshakeExtension: Equatable {
    struct Parameter: Equatable {
        var name: String
        var value: String?
    }

    var name: String
    var parameters: [Parameter]

    /// The element as it is written in a header: `name; p1; p2=v`.
    var headerValue: String {
        ([name] + parameters.map { parameter in
            parameter.value.map { "\(parameter.name)=\($0)" } ?? parameter.name
        }).joined(separator: "; ")
    }
}

enum WebSocketHandshakeExtensions {
    /// Parses every line of the header. Each element is either parsed or `nil` when malformed;
    /// empty list elements are skipped.
    static func parse(_ values: [Substring]) -> [WebSocketHandshakeExtension?] {
        values.flatMap { value in
            var parser = Parser(Array(value.utf8))
            return parser.parseList()
        }
    }

    private struct Parser {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        private static let comma = UInt8(ascii: ","), semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "=")
        private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

        mutating func parseList() -> [WebSocketHandshakeExtension?] {
            var elements: [WebSocketHandshakeExtension?] = []
            while true {
                skipWhitespace()
                guard let byte = peek() else { return elements }
                if byte == Self.comma {
                    index += 1
                    continue
                }
                if let element = parseElement() {
                    elements.append(element)
                } else {
                    elements.append(nil)
                    skipToNextElement()
                }
            }
        }

        /// Parses one element up to (not including) the comma that ends it, or nil if malformed.
        private mutating func parseElement() -> WebSocketHandshakeExtension? {
            guard let name = parseToken() else { return nil }
            var parameters: [WebSocketHandshakeExtension.Parameter] = []
            while true {
                skipWhitespace()
                guard let byte = peek(), byte != Self.comma else {
                    return WebSocketHandshakeExtension(name: name.lowercased(), parameters: parameters)
                }
                guard byte == Self.semicolon else { return nil }
                index += 1
                skipWhitespace()
                guard let parameterName = parseToken() else { return nil }
                skipWhitespace()
                var value: String?
                if peek() == Self.equals {
                    index += 1
                    skipWhitespace()
                    guard let parsedValue = peek() == Self.quote ? parseQuotedToken() : parseToken() else { return nil }
                    value = parsedValue
                }
                parameters.append(.init(name: parameterName.lowercased(), value: value))
            }
        }

        private mutating func parseToken() -> String? {
            let start = index
            while let byte = peek(), HTTPHeaderFields.isTokenCharacter(byte) {
                index += 1
            }
            guard index > start else { return nil }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A quoted-string whose unescaped content is a token (RFC 6455 section 9.1).
        private mutating func parseQuotedToken() -> String? {
            index += 1  // opening quote
            var content: [UInt8] = []
            while let byte = peek() {
                index += 1
                switch byte {
                case Self.quote:
                    guard HTTPHeaderFields.isToken(String(decoding: content, as: UTF8.self)) else { return nil }
                    return String(decoding: content, as: UTF8.self)
                case Self.backslash:
                    guard let escaped = peek() else { return nil }
                    index += 1
                    content.append(escaped)
                default:
                    content.append(byte)
                }
            }
            return nil  // unterminated
        }

        /// Recovers from a malformed element: skips to the next comma that is not inside quotes.
        private mutating func skipToNextElement() {
            var inQuotes = false
            while let byte = peek() {
                if inQuotes {
                    if byte == Self.backslash {
                        index += 1
                    } else if byte == Self.quote {
                        inQuotes = false
                    }
                } else if byte == Self.quote {
                    inQuotes = true
                } else if byte == Self.comma {
                    return
                }
                index += 1
            }
        }

        private mutating func skipWhitespace() {
            while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                index += 1
            }
        }

        private func peek() -> UInt8? {
            index < bytes.count ? bytes[index] : nil
        }
    }
}
