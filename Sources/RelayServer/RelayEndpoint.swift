import Foundation

/// Where a relay listens: parsed from `http://host:port[/base]`.
public struct RelayEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix (no trailing slash), for a relay mounted below `/` by a reverse proxy.
    public var basePath: String

    public init(url: String) throws(RelayClientError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("\(url) is not a URL like http://127.0.0.1:8080")
        }
        guard scheme == "http" else {
            throw .invalidURL("\(url): only http:// is supported by this client")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL("\(url) has no host")
        }
        self.host = host
        self.port = components.port ?? 80
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(shownHost):\(port)\(basePath)"
    }
}
