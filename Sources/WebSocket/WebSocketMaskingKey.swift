import NIOCore

/// The 4-octet masking key of a client-to-server frame (RFC 6455 section 5.3).
///
/// Masking and unmasking are the same XOR, so one family of `apply` functions does both. They work a
/// machine word (8 bytes) at a time, four words per loop turn, with a byte loop only for the last
/// few bytes. `payloadOffset` is the position, within the frame's payload, of the first byte handed
/// in: a payload that arrives in pieces is unmasked piece by piece with the key rotated to match.
public struct WebSocketMaskingKey: Sendable, Hashable, CustomStringConvertible {
    /// The key octets in wire order, first octet in the most significant byte.
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        rawValue = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8 | UInt32(b3)
    }

    /// Fails unless `bytes` holds exactly four octets.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        var value: UInt32 = 0
        for byte in bytes { value = value << 8 | UInt32(byte) }
        rawValue = value
    }

    /// A key from the system's cryptographically secure generator, as RFC 6455 section 5.3 requires
    /// ("derived from a strong source of entropy"): a proxy must not be able to predict it.
    public static func random() -> WebSocketMaskingKey {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> WebSocketMaskingKey {
        WebSocketMaskingKey(rawValue: generator.next())
    }

    /// The key octets in wire order.
    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)]
    }

    public var description: String {
        let hex = String(rawValue, radix: 16)
        return "WebSocketMaskingKey(0x\(String(repeating: "0", count: 8 - hex.count))\(hex))"
    }

    // MARK: - Raw memory

    /// XORs `source` with the key into `destination` (which may be the same memory as `source`).
    /// `destination` must hold at least `source.count` bytes.
    public func apply(
        from source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableRawBufferPointer,
        payloadOffset: Int = 0
    ) {
        let count = source.count
        precondition(destination.count >= count, "masking destination too small")
        guard count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }

        // The key as it lines up with source[0], repeated twice in memory order: storing `word32`
        // natively puts the rotated key octets in wire order on either endianness.
        let shift = payloadOffset & 3
        let rotated = shift == 0 ? rawValue : (rawValue << (8 * UInt32(shift)) | rawValue >> (32 - 8 * UInt32(shift)))
        let word32 = UInt64(rotated.bigEndian)
        let word = word32 | word32 << 32

        var index = 0
        while index &+ 32 <= count {
            let a = src.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ word
            let b = src.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self) ^ word
            let c = src.loadUnaligned(fromByteOffset: index &+ 16, as: UInt64.self) ^ word
            let d = src.loadUnaligned(fromByteOffset: index &+ 24, as: UInt64.self) ^ word
            dst.storeBytes(of: a, toByteOffset: index, as: UInt64.self)
            dst.storeBytes(of: b, toByteOffset: index &+ 8, as: UInt64.self)
            dst.storeBytes(of: c, toByteOffset: index &+ 16, as: UInt64.self)
            dst.storeBytes(of: d, toByteOffset: index &+ 24, as: UInt64.self)
            index &+= 32
        }
        while index &+ 8 <= count {
            let a = src.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ word
            dst.storeBytes(of: a, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        // `index` is a multiple of 8 here, so the tail starts with the rotated key's first octet.
        var keyByteShift: UInt32 = 24
        while index < count {
            let keyByte = UInt8(truncatingIfNeeded: rotated >> keyByteShift)
            dst.storeBytes(of: src.load(fromByteOffset: index, as: UInt8.self) ^ keyByte, toByteOffset: index, as: UInt8.self)
            keyByteShift = keyByteShift == 0 ? 24 : keyByteShift - 8
            index &+= 1
        }
    }

    /// XORs `bytes` with the key in place.
    public func apply(to bytes: UnsafeMutableRawBufferPointer, payloadOffset: Int = 0) {
        apply(from: UnsafeRawBufferPointer(bytes), into: bytes, payloadOffset: payloadOffset)
    }

    // MARK: - ByteBuffer

    /// XORs the readable bytes of `buffer` in place (copy-on-write if its storage is shared).
    public func apply(to buffer: inout ByteBuffer, payloadOffset: Int = 0) {
        buffer.withUnsafeMutableReadableBytes { apply(to: $0, payloadOffset: payloadOffset) }
    }

    /// Appends the readable bytes of `source`, XORed with the key, to `destination`: one pass that
    /// both copies and (un)masks.
    public func apply(from source: ByteBuffer, appendingTo destination: inout ByteBuffer, payloadOffset: Int = 0) {
        let count = source.readableBytes
        guard count > 0 else { return }
        destination.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            source.withUnsafeReadableBytes { apply(from: $0, into: target, payloadOffset: payloadOffset) }
            return count
        }
    }

    /// A new buffer holding the readable bytes of `buffer` XORed with the key.
    public func applied(
        to buffer: ByteBuffer,
        payloadOffset: Int = 0,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        var result = allocator.buffer(capacity: buffer.readableBytes)
        apply(from: buffer, appendingTo: &result, payloadOffset: payloadOffset)
        return result
    }
}
