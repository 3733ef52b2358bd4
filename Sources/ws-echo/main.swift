// ws-echo: the conformance endpoint. `ws-echo --listen 127.0.0.1:9001` serves a WebSocket on
// every path that echoes each text and binary message back unchanged (permessage-deflate
// negotiated when offered), on the same stack as the relay, so any conformance suite can test
// our server side. `ws-echo autobahn-client URL AGENT` drives the Autobahn fuzzingserver with our
// client (getCaseCount, runCase N.., updateReports) to test the client side.

import ArgumentParser
import NIOCore
import NIOPosix
import WebSocket
import WebSocketNIO

#if canImport(Glibc)
import Glibc
#endif

/// Limits generous enough for the conformance suite's 16 MiB messages.
let echoConfiguration = WebSocketHandlerConfiguration(
    protocolConfiguration: WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20),
    pingInterval: nil
)

@main
struct WSEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws-echo",
        abstract: "WebSocket echo server (and Autobahn client driver) on ShareRelay's WebSocket stack.",
        subcommands: [Serve.self, AutobahnClient.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the echo server.")

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen: String = "127.0.0.1:9001"

    @Flag(help: "Refuse permessage-deflate.")
    var noCompression = false

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, got '\(listen)'")
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: ["[", "]"])
        let policy = WebSocketServerHandshakePolicy(
            permessageDeflate: noCompression ? nil : PerMessageDeflateOptions()
        )
        let channel = try await WebSocketEchoServer.bind(
            host: host,
            port: port,
            policy: policy,
            configuration: echoConfiguration,
            group: MultiThreadedEventLoopGroup.singleton
        )
        print("ws-echo listening on \(channel.localAddress.map { "\($0)" } ?? listen)")
        try await channel.closeFuture.get()
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(self.drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}

struct AutobahnClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autobahn-client",
        abstract: "Run every case of an Autobahn fuzzingserver with our client, echoing each message."
    )

    @Argument(help: "The fuzzingserver's base URL, e.g. ws://127.0.0.1:9001")
    var url: String

    @Argument(help: "Agent name for the report.")
    var agent: String = "share-relay"

    func run() async throws {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let options = WebSocketClient.Options(deflate: PerMessageDeflateOptions(), configuration: echoConfiguration)

        let counts = try await session(base + "/getCaseCount", options: options, echo: false)
        guard let caseCount = counts.first.flatMap({ Int($0) }) else {
            throw ValidationError("the fuzzingserver sent no case count")
        }
        print("autobahn-client: \(caseCount) cases")

        for number in 1...max(caseCount, 1) where caseCount > 0 {
            do {
                _ = try await session("\(base)/runCase?case=\(number)&agent=\(agent)", options: options, echo: true)
            } catch {
                print("autobahn-client: case \(number): \(error)")
            }
        }
        _ = try await session("\(base)/updateReports?agent=\(agent)", options: options, echo: false)
        print("autobahn-client: done")
    }

    /// One connection, until it closes: echoes every message (synchronously, on the event loop,
    /// so an echo goes out before anything the same read makes the connection do next), or
    /// collects the text messages.
    private func session(_ address: String, options: WebSocketClient.Options, echo: Bool) async throws -> [String] {
        guard let url = WebSocketURL(string: address) else {
            throw ValidationError("not a ws:// URL: \(address)")
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let finished = loop.makePromise(of: [String].self)
        _ = try await WebSocketClient.connect(to: url, options: options, on: loop) { _ in
            CaseEndpoint(echo: echo, finished: finished)
        }.get()
        return try await finished.futureResult.get()
    }
}

/// Echoes (or collects) messages until the connection closes.
final class CaseEndpoint: WebSocketEndpoint {
    let echo: Bool
    let finished: EventLoopPromise<[String]>
    var texts: [String] = []

    init(echo: Bool, finished: EventLoopPromise<[String]>) {
        self.echo = echo
        self.finished = finished
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        if echo {
            socket.send(message)
        } else if let text = message.text {
            texts.append(text)
        }
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        finished.succeed(texts)
    }
}
