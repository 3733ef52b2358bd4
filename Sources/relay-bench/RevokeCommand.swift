import ArgumentParser

/// N viewers on one share; revoke it; time until the last socket is closed.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "N viewers on one share, revoke it, report the time until the last socket is closed."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Viewers.") var viewers = 1000
    @Option(help: "Seconds to wait for every socket to close after the revoke.") var timeout = 10.0

    func validate() throws {
        guard viewers >= 1, timeout > 0, timeout <= 600 else { throw ValidationError("need viewers >= 1, 0 < timeout <= 600") }
        guard common.protocol == .relay else { throw ValidationError("revoke needs --protocol relay (raw peers have no shares)") }
    }

    func run() async throws {
        let run = try BenchRun(options: common)
        defer { Task { await run.fleet.shutdown() } }
        guard let rpc = run.rpc, let token = run.token else { throw BenchError.unsupported("revoke needs the relay protocol") }
        let connectSeconds = try await run.openViewers(viewers)
        let usage = ServerUsage(pid: common.relayPid)
        let rpcStart = MonotonicClock.now()
        try rpc.revokeShare(token: token)
        let rpcEnd = MonotonicClock.now()
        let allClosed = await Poll.until(timeout: timeout, interval: 0.002) {
            ((try? await run.fleet.snapshot())?.closed ?? 0) >= viewers
        }
        let result = try await run.fleet.snapshot()
        let ms = { (ns: UInt64) in Double(ns) / 1e6 }

        var report = BenchReport(scenario: "revoke", options: common)
        report.add("viewers", viewers)
        report.add("viewers_connect_s", connectSeconds, digits: 3)
        report.add("rpc_ms", ms(rpcEnd - rpcStart), digits: 3)
        report.add("closed", result.closed)
        report.add("all_closed", allClosed)
        report.add("closed_4403", result.closeCodes[4403] ?? 0)
        report.add("other_close_codes", result.closeCodes.filter { $0.key != 4403 }.map { "\($0.key)x\($0.value)" }.sorted().joined(separator: " "))
        let last = result.lastCloseAt
        report.add("last_close_after_rpc_start_ms", ms(last > rpcStart ? last - rpcStart : 0), digits: 3)
        report.add("last_close_after_rpc_return_ms", last > rpcEnd ? ms(last - rpcEnd) : -ms(rpcEnd - last), digits: 3)
        report.addServerUsage(usage, deliveries: 0)
        report.emit(common)
        if !allClosed || result.closeCodes[4403] != viewers { throw ExitCode(2) }
    }
}
