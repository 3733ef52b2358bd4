import NIOCore

/// The open connections, so shutdown can reach them. Shared by every event loop (added in the
/// child initializer, removed when each closes) behind a lock.
final class ConnectionRegistry: Sendable {
    private let channels = Locked([ObjectIdentifier: any Channel]())

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    private var all: [any Channel] { channels.withLock { Array($0.values) } }

    func quiesceAll() {
        for channel in all {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    func closeAll() async {
        for channel in all {
            try? await channel.close()
        }
    }
}
