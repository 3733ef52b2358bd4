import NIOCore
import Testing

@testable import WebSocket

@Suite("Masking (RFC 6455 section 5.3)")
struct MaskingKeyTests {
    /// The RFC's definition, one byte at a time: octet i XOR key octet (i MOD 4).
    private func referenceMask(_ bytes: [UInt8], key: WebSocketMaskingKey, offset: Int) -> [UInt8] {
        let keyBytes = key.bytes
        return bytes.enumerated().map { $0.element ^ keyBytes[($0.offset + offset) % 4] }
    }

    @Test func wordAtATimeMaskingMatchesTheBytewiseDefinition() {
        let key = WebSocketMaskingKey(0x12, 0x34, 0xAB, 0xCD)
        for length in 0...100 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            for offset in 0..<8 {
                var buffer = ByteBuffer(bytes: bytes)
                key.apply(to: &buffer, payloadOffset: offset)
                #expect(Array(buffer.readableBytesView) == referenceMask(bytes, key: key, offset: offset), "length \(length) offset \(offset)")
            }
        }
    }

    @Test func maskingTwiceRestoresThePayload() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let key = WebSocketMaskingKey.random()
        let masked = key.applied(to: ByteBuffer(bytes: bytes))
        #expect(Array(key.applied(to: masked).readableBytesView) == bytes)
    }

    @Test func payloadInPiecesUnmasksLikeTheWhole() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let key = WebSocketMaskingKey(9, 8, 7, 6)
        let whole = Array(key.applied(to: ByteBuffer(bytes: bytes)).readableBytesView)
        for cut in [1, 2, 3, 5, 8, 33, 299] {
            var pieces = ByteBuffer()
            key.apply(from: ByteBuffer(bytes: bytes[..<cut]), appendingTo: &pieces, payloadOffset: 0)
            key.apply(from: ByteBuffer(bytes: bytes[cut...]), appendingTo: &pieces, payloadOffset: cut)
            #expect(Array(pieces.readableBytesView) == whole, "cut at \(cut)")
        }
    }

    @Test func keyOctetsAreInWireOrder() {
        let key = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)
        #expect(key.rawValue == 0x37FA_213D)
        #expect(key.bytes == [0x37, 0xFA, 0x21, 0x3D])
        #expect(WebSocketMaskingKey([0x37, 0xFA, 0x21, 0x3D]) == key)
        #expect(WebSocketMaskingKey([1, 2, 3]) == nil)
    }

    @Test func randomKeysDiffer() {
        let keys = Set((0..<16).map { _ in WebSocketMaskingKey.random() })
        #expect(keys.count == 16)
    }
}
