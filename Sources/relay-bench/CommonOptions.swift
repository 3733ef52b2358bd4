import ArgumentParser
import NIOCore
import WebSocketNIO

#if canImport(Glibc)
import Glibc
#endif

/// Flags every scenario shares: where the server is, how to authenticate, what to sample.
struct CommonOptions: ParsableArguments {
    @Option(help: "Server base URL (http://host:port).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Owner key (default: $SHARE_RELAY_OWNER_KEY). Needed with --protocol relay.")
    var ownerKey: String?

    @Option(help: "PID of the server, to report its CPU seconds and RSS from /proc.")
    var relayPid: Int32?

    @Option(help: "Use this existing share token instead of creating a share (relay protocol).")
    var shareToken: String?

    @Option(help: "Session id to publish to (default: a fresh bench-<pid>-<time> id).")
    var session: String?

    @Option(help: "relay (ShareRelay contract) or raw (verbatim broadcast peers).")
    var `protocol`: BenchProtocol = .relay

    @Option(help: "Append the run's JSON line to this file.")
    var jsonOut: String?

    @Option(help: "Label recorded in the JSON line (for example the server's name).")
    var label: String = ""

    @Option(help: "Event-loop threads of the load generator (default: number of cores).")
    var threads: Int = System.coreCount

    @Option(help: "Viewer handshakes in flight at once.")
    var connectConcurrency: Int = 256

    @Option(help: "Seconds allowed for one TCP connect plus handshake.")
    var connectTimeout: Int = 10

    @Flag(help: "Do not spread client source addresses over 127.0.0.2-127.0.0.254.")
    var noSpreadSources = false

    @Flag(help: "Print only the JSON line.")
    var quiet = false

    @Flag(help: "Viewers offer permessage-deflate, as browsers do (the relay answers server_no_context_takeover).")
    var deflate = false

    func validate() throws {
        guard threads >= 1, connectConcurrency >= 1, connectTimeout >= 1 else {
            throw ValidationError("--threads, --connect-concurrency and --connect-timeout must be at least 1")
        }
    }

    var resolvedOwnerKey: String? {
        ownerKey ?? ProcessInfoEnvironment.value("SHARE_RELAY_OWNER_KEY")
    }

    var resolvedSession: String {
        session ?? "bench-\(getpid())-\(Int(time(nil)))"
    }

    /// host and port from `--url`.
    func endpoint() throws -> (host: String, port: Int) {
        guard let ws = WebSocketURL(string: "ws://" + url.replacingPrefix("http://")), !url.hasPrefix("https") else {
            throw BenchError.invalidURL(url)
        }
        return (ws.host, ws.port)
    }

    func webSocketURL(path: String) throws -> WebSocketURL {
        let (host, port) = try endpoint()
        return WebSocketURL(host: host, port: port, target: path)
    }

    /// The source address for the `index`th client socket: spread over 127.0.0.2-127.0.0.254 when
    /// the server is on loopback, so one machine gets past one address's ~28,000 ephemeral ports.
    func sourceAddress(index: Int) -> SocketAddress? {
        guard !noSpreadSources, let (host, _) = try? endpoint(), host.hasPrefix("127.") else { return nil }
        return try? SocketAddress(ipAddress: "127.0.0.\(2 + index % 253)", port: 0)
    }
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

extension String {
    func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
