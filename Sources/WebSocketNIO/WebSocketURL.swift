/// A `ws://` (or `wss://`) URL split into what the client needs to connect and handshake.
public struct WebSocketURL: Sendable, Equatable, CustomStringConvertible {
    public var isSecure: Bool
    public var host: String
    public var port: Int
    /// Path and query, as sent in the request line (never empty: at least "/").
    public var target: String

    public init(isSecure: Bool = false, host: String, port: Int? = nil, target: String = "/") {
        self.isSecure = isSecure
        self.host = host
        self.port = port ?? (isSecure ? 443 : 80)
        self.target = target.isEmpty ? "/" : target
    }

    /// Parses `ws://host[:port][/path][?query]`; IPv6 hosts in brackets. Returns nil for anything else.
    public init?(string: String) {
        let secure: Bool
        var rest: Substring
        if string.hasPrefix("ws://") {
            secure = false
            rest = string.dropFirst(5)
        } else if string.hasPrefix("wss://") {
            secure = true
            rest = string.dropFirst(6)
        } else {
            return nil
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.hasPrefix("?") { target = "/" + target }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        self.init(isSecure: secure, host: String(host), port: port, target: target)
    }

    /// The `Host` header value: the port is included unless it is the scheme's default.
    public var hostHeader: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let defaultPort = isSecure ? 443 : 80
        return port == defaultPort ? hostPart : "\(hostPart):\(port)"
    }

    public var description: String {
        "\(isSecure ? "wss" : "ws")://\(hostHeader)\(target)"
    }
}
