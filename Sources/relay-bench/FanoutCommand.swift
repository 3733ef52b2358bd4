import ArgumentParser

/// One presenter, N viewers: delivered events/s, loss, end-to-end latency, server CPU per delivery.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "One presenter publishing R events/s of S bytes for D seconds to N viewers."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Viewers.") var viewers = 200
    @Option(help: "Events per second.") var rate = 200
    @Option(help: "Event size in bytes (the presenter's JSON).") var size = 256
    @Option(help: "Publishing time in seconds.") var duration = 5.0
    @Option(help: "Seconds to wait for stragglers after the last event.") var drain = 5.0

    func validate() throws {
        guard viewers >= 1, rate >= 1, size >= 48, duration > 0, duration <= 3600, drain >= 0 else {
            throw ValidationError("need viewers >= 1, rate >= 1, size >= 48, 0 < duration <= 3600, drain >= 0")
        }
    }

    func run() async throws {
        let run = try BenchRun(options: common)
        defer { Task { await run.fleet.shutdown() } }
        let presenter = try await run.connectPresenter()
        let connectSeconds = try await run.openViewers(viewers)
        let usage = ServerUsage(pid: common.relayPid)
        let selfCPU = ProcessSample.selfCPUSeconds()
        let start = MonotonicClock.now()
        presenter.publish(rate: rate, size: size, duration: duration)
        let published: Bool = (try? await presenter.finished.futureResult.get()) != nil
        let sent = presenter.sentCount.load(ordering: .relaxed)
        let expected = sent * viewers
        await run.drain(expected: expected, seconds: drain)
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        let result = try await run.fleet.snapshot()

        var report = BenchReport(scenario: "fanout", options: common)
        report.add("viewers", viewers)
        report.add("rate", rate)
        report.add("size", size)
        report.add("duration_s", duration)
        report.add("viewers_connect_s", connectSeconds, digits: 3)
        report.add("published_all", published)
        report.add("sent", sent)
        report.add("expected", expected)
        report.add("delivered", result.delivered)
        report.add("lost", expected - result.delivered)
        report.add("sequence_holes", result.sequenceHoles)
        report.add("out_of_order", result.outOfOrder)
        report.add("unexpected_closes", result.closed)
        report.add("delivered_per_s", Double(result.delivered) / min(elapsed, duration + drain), digits: 0)
        report.add("elapsed_s", elapsed, digits: 3)
        report.addLatency("latency", result.latency)
        report.addServerUsage(usage, deliveries: result.delivered)
        report.add("bench_cpu_s", ProcessSample.selfCPUSeconds() - selfCPU, digits: 3)
        report.emit(common)
        presenter.close()
        await run.fleet.closeAll(timeout: 5)
        if expected != result.delivered || !published { throw ExitCode(2) }
    }
}
