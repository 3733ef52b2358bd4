import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The options on the relay's sockets, read back from the kernel (both ends of a viewer live in
/// this test process): Nagle off on both sides, and nothing set by mistake. `socketOption(.tcp_nodelay)`
/// in NIO means level SOL_SOCKET, i.e. SO_DEBUG; it was set on every socket that way once.
@Suite struct SocketOptionTests {
    @Test func viewerSocketsHaveNoDelayOnBothEndsAndNoSocketDebugging() async throws {
        let relay = try await LiveRelay.start()
        let token = try await relay.share("socket-options")
        let viewer = try await relay.viewer(token: token)
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")

        let sockets = Self.loopbackTCPSockets(touchingPort: relay.port)
        #expect(sockets.accepted.count == 1)
        #expect(sockets.connected.count == 1)
        for descriptor in sockets.accepted + sockets.connected {
            #expect(Self.option(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY) == 1, "TCP_NODELAY on fd \(descriptor)")
            #expect(Self.option(descriptor, SOL_SOCKET, SO_DEBUG) == 0, "SO_DEBUG on fd \(descriptor)")
        }
        viewer.connection.close()
        await relay.stop()
    }

    /// This process's connected IPv4 TCP sockets whose local port (accepted by the relay) or peer
    /// port (our client) is `port`; the listening socket has no peer and is left out.
    static func loopbackTCPSockets(touchingPort port: Int) -> (accepted: [Int32], connected: [Int32]) {
        var accepted: [Int32] = []
        var connected: [Int32] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for name in names {
            guard let descriptor = Int32(name) else { continue }
            guard let local = address(descriptor, getsockname), let peer = address(descriptor, getpeername) else { continue }
            if local == port { accepted.append(descriptor) }
            if peer == port { connected.append(descriptor) }
        }
        return (accepted, connected)
    }

    /// The port of an IPv4 TCP socket's local or peer address (nil for anything else).
    private static func address(
        _ descriptor: Int32, _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> Int? {
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(descriptor, $0, &length) }
        }
        guard result == 0, storage.sin_family == sa_family_t(AF_INET), option(descriptor, SOL_SOCKET, SO_TYPE) == Int32(SOCK_STREAM.rawValue) else {
            return nil
        }
        return Int(UInt16(bigEndian: storage.sin_port))
    }

    private static func option(_ descriptor: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, level, name, &value, &length) == 0 else { return -1 }
        return value
    }
}
