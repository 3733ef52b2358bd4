import Foundation

/// One address the relay listens on, written `HOST:PORT` (`127.0.0.1:8080`, `0.0.0.0:443`,
/// `localhost:8080`, `[::1]:8080`). Port 0 asks the system for a free port, which tests use.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    /// A host name or IP address, without the brackets of an IPv6 literal.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when the text is not one (no port, bad characters, port > 65535).
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = Substring(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
              let port = Int(portText), port <= 65535
        else { return nil }
        if host.first == "[" {
            guard host.last == "]" else { return nil }
            host = host.dropFirst().dropLast()
            guard host.contains(":"), host.unicodeScalars.allSatisfy(Self.isIPv6Character) else { return nil }
        } else {
            guard !host.isEmpty, host.unicodeScalars.allSatisfy(Self.isHostNameCharacter) else { return nil }
        }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var isValid: Bool { ListenAddress(parsing: description) == self }

    private static func isHostNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isASCIIHexDigit || ("g"..."z").contains(scalar) || ("G"..."Z").contains(scalar)
            || scalar == "." || scalar == "-" || scalar == "_"
    }

    private static func isIPv6Character(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isASCIIHexDigit || scalar == ":" || scalar == "." || scalar == "%"
            || ("g"..."z").contains(scalar) || ("G"..."Z").contains(scalar)  // zone ids such as %eth0
    }
}

extension ListenAddress: ScalarParsable {
    init?(configurationText text: String) { self.init(parsing: text) }
    var isValidConfigurationValue: Bool { isValid }
}
