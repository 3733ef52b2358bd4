import NIOCore

/// A read-buffer policy for servers holding many mostly idle WebSocket connections: start small,
/// double when a read fills the buffer, never shrink.
///
/// Why: NIO keeps each channel's read buffer pooled for the channel's lifetime, at the capacity of
/// the first allocation (NIO's default `AdaptiveRecvByteBufferAllocator` starts at 2048 bytes and
/// jumps four size classes, 512 -> 8192, when a read fills the buffer). An idle viewer only ever
/// reads its opening handshake (a few hundred bytes) and the odd pong, so the first buffer is all
/// it keeps: `initial` decides most of the per-connection read memory. Doubling instead of
/// jumping keeps a larger handshake (a browser with cookies) at twice its size at most, and a busy
/// presenter still reaches `maximum` after a handful of full reads.
public struct GrowingRecvByteBufferAllocator: RecvByteBufferAllocator {
    /// Capacity of the first buffer. Default 512: a WebSocket opening handshake without cookies.
    public let initial: Int
    /// Largest buffer it grows to. Default 64 KiB (NIO's default maximum).
    public let maximum: Int
    private var next: Int

    public init(initial: Int = 512, maximum: Int = 64 * 1024) {
        precondition(initial > 0 && maximum >= initial, "need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        self.next = initial
    }

    public func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(capacity: next)
    }

    public func nextBufferSize() -> Int? {
        next
    }

    public mutating func record(actualReadBytes: Int) -> Bool {
        guard actualReadBytes >= next, next < maximum else { return false }
        next = min(next * 2, maximum)
        return true
    }
}
