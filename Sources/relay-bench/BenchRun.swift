import NIOCore

/// What every scenario sets up first: the descriptor limit, the session, the share (relay
/// protocol), the viewers' event loops.
struct BenchRun {
    let options: CommonOptions
    let session: String
    let token: String?
    let rpc: ShareRPCClient?
    let fleet: ViewerFleet

    init(options: CommonOptions) throws {
        FileDescriptorLimit.raiseToHardLimit()
        self.options = options
        self.session = options.resolvedSession
        if options.protocol == .relay {
            guard let key = options.resolvedOwnerKey else { throw BenchError.missingOwnerKey }
            let (host, port) = try options.endpoint()
            let rpc = ShareRPCClient(host: host, port: port, ownerKey: key)
            self.rpc = rpc
            self.token = try options.shareToken ?? rpc.createShare(session: session)
        } else {
            self.rpc = nil
            self.token = nil
        }
        self.fleet = ViewerFleet(options: options)
    }

    /// A presenter on its own loop choice (the first loop; viewers share it round-robin).
    func connectPresenter() async throws -> PresenterEndpoint {
        try await PresenterEndpoint.connect(options: options, session: session, loop: fleet.group.next())
    }

    /// Opens `count` viewers or throws when not all became ready.
    func openViewers(_ count: Int) async throws -> Double {
        let start = MonotonicClock.now()
        let (ready, firstError) = await fleet.open(count: count, token: token)
        let seconds = Double(MonotonicClock.now() - start) / 1e9
        guard ready == count else {
            throw BenchError.viewersNotReady(ready: ready, wanted: count, firstError: firstError)
        }
        return seconds
    }

    /// Waits until `expected` events were delivered or `drain` seconds pass.
    func drain(expected: Int, seconds: Double) async {
        _ = await Poll.until(timeout: seconds) {
            ((try? await fleet.snapshot())?.delivered ?? expected) >= expected
        }
    }
}
