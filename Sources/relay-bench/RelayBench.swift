// relay-bench: the load-test client. Drives a relay (or a reference peer) with one presenter and
// many viewers on our own WebSocket client, and reports delivery, loss, latency and the server's
// CPU and memory.
//
// Owns: scenarios (fanout, connect, churn, revoke, catchup), the event payload carrying its send
// timestamp, the share RPC it needs, /proc sampling, and the table + JSON-line report.
// Must not: depend on the server modules (it measures them from outside), or run unbounded:
// every scenario has a duration and timeouts, and the tool exits by itself.

import ArgumentParser

@main
struct RelayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-bench",
        abstract: "Load-test client for ShareRelay and comparable WebSocket broadcast servers.",
        subcommands: [
            FanoutCommand.self, ConnectCommand.self, ChurnCommand.self, RevokeCommand.self, CatchupCommand.self,
        ]
    )
}
