import Foundation
import NIOCore
import Testing
@testable import Relay

@Suite struct RelayMessageTests {
    @Test func readyMessageHasDocumentedShape() {
        #expect(RelayMessage.ready(sessionId: "abc123", seq: 0).encoded().string == #"{"type":"ready","sessionId":"abc123","seq":0}"#)
        #expect(RelayMessage.ready(sessionId: "abc123", seq: 42).encoded().string == #"{"type":"ready","sessionId":"abc123","seq":42}"#)
    }

    @Test func helloMessageHasDocumentedShapeWithAndWithoutExpiry() {
        let withExpiry = RelayMessage.hello(
            sessionId: "abc123", expiresAt: time(1_764_085_440_123), seq: 7,
            presence: PresenceState(presenter: true, viewers: 3)
        )
        #expect(
            withExpiry.encoded().string
                == #"{"type":"hello","sessionId":"abc123","expiresAt":"2025-11-25T15:44:00.123Z","seq":7,"presenter":true,"viewers":3}"#
        )
        let withoutExpiry = RelayMessage.hello(
            sessionId: "abc123", expiresAt: nil, seq: 0, presence: PresenceState(presenter: false, viewers: 1)
        )
        #expect(
            withoutExpiry.encoded().string
                == #"{"type":"hello","sessionId":"abc123","expiresAt":null,"seq":0,"presenter":false,"viewers":1}"#
        )
    }

    @Test func eventMessageEmbedsDataVerbatim() {
        var buffer = ByteBuffer()
        let data = bytes(#"{"jsonrpc":"2.0","method":"session.messageCreated","params":{"text":"h\u00e9 \"x\""}}"#)
        let offset = RelayMessage.writeEvent(seq: 18_446_744_073_709_551_615, time: time(0), data: data, into: &buffer)
        #expect(
            buffer.string
                == #"{"type":"event","seq":18446744073709551615,"time":"1970-01-01T00:00:00.000Z","data":{"jsonrpc":"2.0","method":"session.messageCreated","params":{"text":"h\u00e9 \"x\""}}}"#
        )
        #expect(buffer.getSlice(at: offset, length: data.readableBytes) == data)
    }

    @Test func eventMessageWithScalarData() {
        var buffer = ByteBuffer()
        RelayMessage.writeEvent(seq: 1, time: time(1_500), data: bytes("  42 "), into: &buffer)
        #expect(buffer.string == #"{"type":"event","seq":1,"time":"1970-01-01T00:00:01.500Z","data":  42 }"#)
    }

    @Test func gapPresenceViewersAndErrorMessagesHaveDocumentedShapes() {
        #expect(RelayMessage.gap(from: 5, to: 9).encoded().string == #"{"type":"gap","from":5,"to":9}"#)
        #expect(
            RelayMessage.presence(PresenceState(presenter: false, viewers: 12)).encoded().string
                == #"{"type":"presence","presenter":false,"viewers":12}"#
        )
        #expect(RelayMessage.viewers(count: 0).encoded().string == #"{"type":"viewers","count":0}"#)
        #expect(
            RelayMessage.error(code: -32700, message: "Parse error").encoded().string
                == #"{"type":"error","error":{"code":-32700,"message":"Parse error"}}"#
        )
    }

    @Test func presenterErrorsUseTheParseErrorCode() {
        let error = JSONSyntaxError(reason: .trailingData, offset: 3)
        #expect(
            RelayMessage.parseError(error).encoded().string
                == #"{"type":"error","error":{"code":-32700,"message":"Parse error: data after the JSON value at offset 3"}}"#
        )
        #expect(RelayMessage.binaryFrameRefused.encoded().string.hasPrefix(#"{"type":"error","error":{"code":-32700,"#))
    }

    @Test func stringsAreJSONEscaped() {
        let message = RelayMessage.error(code: 1, message: "a\"b\\c\nd\te\u{01}f\u{1F}é😀/")
        #expect(
            message.encoded().string
                == #"{"type":"error","error":{"code":1,"message":"a\"b\\c\nd\te\u0001f\u001fé😀/"}}"#
        )
        let ready = RelayMessage.ready(sessionId: "x\"y", seq: 1).encoded()
        let object = try? JSONSerialization.jsonObject(with: Data(ready.readableBytesView)) as? [String: Any]
        #expect(object?["sessionId"] as? String == "x\"y")
    }

    @Test func syncResultEchoesTheRawRequestID() {
        var buffer = ByteBuffer()
        RelayMessage.writeSyncResult(rawID: bytes("7"), seq: 12, into: &buffer)
        #expect(buffer.string == #"{"jsonrpc":"2.0","id":7,"result":{"seq":12}}"#)
        buffer.clear()
        RelayMessage.writeSyncResult(rawID: bytes(#""a-1""#), seq: 0, into: &buffer)
        #expect(buffer.string == #"{"jsonrpc":"2.0","id":"a-1","result":{"seq":0}}"#)
    }

    @Test func decimalWriterHandlesBoundaries() {
        for value: UInt64 in [0, 9, 10, 99, 100, 12345, 1 << 32, .max] {
            var buffer = ByteBuffer()
            buffer.writeDecimal(value)
            #expect(buffer.string == String(value))
        }
        for value in [Int.min, -32700, -1, 0, 1, Int.max] {
            var buffer = ByteBuffer()
            buffer.writeDecimal(value)
            #expect(buffer.string == String(value))
        }
    }
}

@Suite struct RFC3339Tests {
    @Test func knownInstantsFormatExactly() {
        #expect(time(0).description == "1970-01-01T00:00:00.000Z")
        #expect(time(951_782_400_000).description == "2000-02-29T00:00:00.000Z")
        #expect(time(4_107_542_399_999).description == "2100-02-28T23:59:59.999Z")
        #expect(time(-1).description == "1969-12-31T23:59:59.999Z")
        #expect(time(-62_135_596_800_000).description == "0001-01-01T00:00:00.000Z")
    }

    @Test func outOfRangeYearsAreClamped() {
        #expect(time(.min).description == "0000-01-01T00:00:00.000Z")
        #expect(time(.max).description == "9999-12-31T23:59:59.999Z")
    }

    @Test func formatterAgreesWithFoundationOnManyInstants() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        // Whole seconds plus a millisecond part, 1900...2200, including leap days.
        for _ in 0..<2000 {
            let seconds = Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator)
            let milliseconds = Int64.random(in: 0...999, using: &generator)
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let ours = time(seconds * 1000 + milliseconds).description
            // Foundation prints ".000" for whole seconds; compare the rest and our millisecond part.
            #expect(ours.prefix(19) == expected.prefix(19))
            #expect(ours.dropFirst(20).prefix(3) == String(format: "%03d", milliseconds).prefix(3))
        }
    }
}
