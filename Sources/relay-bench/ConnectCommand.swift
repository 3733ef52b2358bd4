import ArgumentParser

/// N idle viewers opened as fast as possible: handshakes/s and server memory per connection.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open N viewers as fast as possible, hold them idle, then close them."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Viewers.") var viewers = 1000
    @Option(help: "Seconds to hold them idle before measuring memory and closing.") var hold = 2.0

    func validate() throws {
        guard viewers >= 1, hold >= 0, hold <= 3600 else { throw ValidationError("need viewers >= 1, 0 <= hold <= 3600") }
    }

    func run() async throws {
        let run = try BenchRun(options: common)
        defer { Task { await run.fleet.shutdown() } }
        let usage = ServerUsage(pid: common.relayPid)
        let start = MonotonicClock.now()
        let (ready, firstError) = await run.fleet.open(count: viewers, token: run.token)
        let seconds = Double(MonotonicClock.now() - start) / 1e9
        guard ready > 0 else {
            // Nothing to measure: the server does not serve viewers at all.
            throw BenchError.viewersNotReady(ready: 0, wanted: viewers, firstError: firstError)
        }
        await Poll.sleep(seconds: hold)
        let held = try await run.fleet.snapshot()

        var report = BenchReport(scenario: "connect", options: common)
        report.add("viewers", viewers)
        report.add("ready", ready)
        report.add("errors", viewers - ready)
        if let firstError { report.add("first_error", firstError) }
        report.add("connect_s", seconds, digits: 3)
        report.add("handshakes_per_s", Double(ready) / seconds, digits: 0)
        report.add("closed_while_idle", held.closed)
        report.addServerUsage(usage, deliveries: 0, connections: ready)
        let closeStart = MonotonicClock.now()
        await run.fleet.closeAll(timeout: 30)
        let closed = try await run.fleet.snapshot()
        report.add("close_s", Double(MonotonicClock.now() - closeStart) / 1e9, digits: 3)
        report.add("all_closed", closed.closed >= closed.opened)
        report.emit(common)
        if ready != viewers || held.closed > 0 { throw ExitCode(2) }
    }
}
