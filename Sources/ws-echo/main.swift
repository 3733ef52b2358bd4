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
        let group = MultiThreadedEventLoopGroup.singleton
        let options = WebSocketClient.Options(deflate: PerMessageDeflateOptions(), configuration: echoConfiguration)

        guard let countURL = WebSocketURL(string: base + "/getCaseCount") else {
            throw ValidationError("not a ws:// URL: \(url)")
        }
        let counter = try await AsyncWebSocketConnection.connect(to: countURL, options: options, on: group)
        var caseCount = 0
        for await event in counter.events {
            if case .message(let message) = event, let text = message.text, let count = Int(text) {
                caseCount = count
            }
        }
        print("autobahn-client: \(caseCount) cases")

        for number in 1...max(caseCount, 1) where caseCount > 0 {
            guard let caseURL = WebSocketURL(string: "\(base)/runCase?case=\(number)&agent=\(agent)") else { continue }
            do {
                let connection = try await AsyncWebSocketConnection.connect(to: caseURL, options: options, on: group)
                for await event in connection.events {
                    if case .message(let message) = event {
                        connection.send(message)
                    }
                }
            } catch {
                print("autobahn-client: case \(number): \(error)")
            }
        }

        if let reportURL = WebSocketURL(string: "\(base)/updateReports?agent=\(agent)") {
            let reporter = try await AsyncWebSocketConnection.connect(to: reportURL, options: options, on: group)
            for await _ in reporter.events {}
        }
        print("autobahn-client: done")
    }
}
