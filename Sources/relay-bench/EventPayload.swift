import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The presenter's event: `{"bt":<send time, monotonic ns>,"bi":<index>,"p":"xxx…"}` padded to the
/// requested size. Viewers find it by its `"bt":` marker whether it arrives verbatim (raw peers) or
/// inside the relay's event envelope, whose `data` is the presenter's JSON byte for byte.
enum EventPayload {
    static func make(index: Int, sentAt: UInt64, size: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        let head = "{\"bt\":\(sentAt),\"bi\":\(index),\"p\":\""
        var buffer = allocator.buffer(capacity: Swift.max(size, head.utf8.count + 2))
        buffer.writeString(head)
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: Swift.max(0, size - head.utf8.count - 2))
        buffer.writeStaticString("\"}")
        return buffer
    }

    /// What a viewer learns from one message.
    enum Parsed {
        case event(sentAt: UInt64, index: Int)
        case gap
        case control
    }

    private static let marker: [UInt8] = Array("\"bt\":".utf8)
    private static let indexMarker: [UInt8] = Array(",\"bi\":".utf8)
    private static let gapMarker: [UInt8] = Array("\"type\":\"gap\"".utf8)

    static func parse(_ data: ByteBuffer) -> Parsed {
        data.withUnsafeReadableBytes { bytes -> Parsed in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return .control }
            guard let at = find(marker, in: base, count: bytes.count) else {
                return find(gapMarker, in: base, count: bytes.count) != nil ? .gap : .control
            }
            var position = at + marker.count
            let sentAt = readNumber(base, count: bytes.count, position: &position)
            guard position + indexMarker.count <= bytes.count,
                memcmp(base + position, indexMarker, indexMarker.count) == 0
            else { return .control }
            position += indexMarker.count
            let index = readNumber(base, count: bytes.count, position: &position)
            return .event(sentAt: sentAt, index: Int(index))
        }
    }

    private static func find(_ needle: [UInt8], in base: UnsafeRawPointer, count: Int) -> Int? {
        // memchr for the first byte, memcmp for the rest (memmem is a GNU extension Swift does not import).
        needle.withUnsafeBytes { n in
            let first = Int32(needle[0])
            var offset = 0
            while offset + n.count <= count {
                guard let hit = memchr(base + offset, first, count - offset - n.count + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, n.baseAddress!, n.count) == 0 { return at }
                offset = at + 1
            }
            return nil
        }
    }

    private static func readNumber(_ base: UnsafeRawPointer, count: Int, position: inout Int) -> UInt64 {
        var value: UInt64 = 0
        while position < count {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            guard byte >= 48, byte <= 57 else { break }
            value = value &* 10 &+ UInt64(byte - 48)
            position += 1
        }
        return value
    }
}
