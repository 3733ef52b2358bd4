import NIOCore
import NIOPosix
import Testing
import WebSocket
@testable import WebSocketNIO

/// The shared keepalive timer keeps one slot per registered connection; removal swaps the last
/// connection into the freed slot, which must then know its new slot.
struct KeepaliveSchedulerTests {
    private final class SilentEndpoint: WebSocketEndpoint {
        func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {}
    }

    @Test func removingAConnectionMovesTheLastIntoItsSlotAndTheTimerStopsWhenEmpty() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let outcome = try await loop.submit { () -> [Int] in
            let scheduler = WebSocketKeepaliveScheduler(eventLoop: loop, tick: .milliseconds(10))
            let handlers = (0..<3).map { _ in WebSocketHandler(role: .server, endpoint: SilentEndpoint()) }
            for handler in handlers { handler.keepaliveSlot = scheduler.add(handler) }
            var seen = handlers.map(\.keepaliveSlot)  // 0, 1, 2
            scheduler.remove(slot: handlers[0].keepaliveSlot)
            handlers[0].keepaliveSlot = -1
            seen += [scheduler.count, handlers[2].keepaliveSlot, handlers[1].keepaliveSlot]  // 2, 0, 1
            scheduler.remove(slot: handlers[2].keepaliveSlot)
            scheduler.remove(slot: handlers[1].keepaliveSlot)
            seen.append(scheduler.count)  // 0
            return seen
        }.get()
        #expect(outcome == [0, 1, 2, 2, 0, 1, 0])
        try await group.shutdownGracefully()
    }
}
