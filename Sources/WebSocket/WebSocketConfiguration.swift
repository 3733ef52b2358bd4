/// The limits of one WebSocket connection. They bound the memory a peer can make us hold.
public struct WebSocketConfiguration: Sendable, Hashable {
    /// The largest frame payload we accept, in bytes; a longer frame fails the connection with 1009 as
    /// soon as its header arrives. Bounds the bytes buffered for one compressed frame or control frame.
    /// Default 16 MiB.
    public var maxFrameSize: Int

    /// The largest message we accept, in bytes after decompression, summed over its frames; a longer
    /// message fails the connection with 1009 (uncompressed: as soon as a frame header announces it;
    /// compressed: as soon as decompression passes it). Bounds the bytes buffered for one message.
    /// Default 16 MiB.
    public var maxMessageSize: Int

    public init(maxFrameSize: Int = 16 << 20, maxMessageSize: Int = 16 << 20) {
        precondition(maxFrameSize >= 0 && maxMessageSize >= 0, "WebSocket limits must not be negative")
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
    }
}
