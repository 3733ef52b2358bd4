import NIOCore
import Testing

@testable import WebSocket

@Suite("UTF-8 validation (RFC 3629, Unicode table 3-7)")
struct UTF8ValidatorTests {
    private func isValid(_ bytes: [UInt8]) -> Bool {
        UTF8Validator.isValid(bytes)
    }

    @Test func acceptsASCIIAndMultibyteText() {
        #expect(isValid([]))
        #expect(isValid(Array("Hello-µ@ßöäüàá-UTF-8!!".utf8)))
        #expect(isValid(Array("κόσμε".utf8)))
        #expect(isValid(Array("中文字 日本語 🎉 𝄞".utf8)))
    }

    @Test(arguments: [0x00, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF] as [UInt32])
    func acceptsCodePointsAtEncodingBoundaries(scalar: UInt32) {
        let bytes = Array(String(Unicode.Scalar(scalar)!).utf8)
        #expect(isValid(bytes))
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF],  // overlong 2-byte forms
        [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],  // overlong 3-byte forms
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],  // overlong 4-byte forms
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // UTF-16 surrogates
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],  // above U+10FFFF, invalid lead bytes
        [0x80], [0xBF], [0x61, 0x80],  // stray continuation bytes
        [0xC2, 0x41], [0xE1, 0x80, 0x41], [0xF1, 0x80, 0x80, 0x41],  // lead byte without enough continuations
    ] as [[UInt8]])
    func rejectsIllFormedSequences(bytes: [UInt8]) {
        #expect(!isValid(bytes))
    }

    @Test(arguments: [[0xC2], [0xE2, 0x82], [0xF0, 0x9F, 0x8E], [0x61, 0xF4]] as [[UInt8]])
    func inputEndingInsideACodePointIsIncomplete(bytes: [UInt8]) {
        var validator = UTF8Validator()
        let accepted = validator.validate(ByteBuffer(bytes: bytes))
        #expect(accepted, "nothing invalid yet")
        #expect(!validator.isComplete)
        #expect(!isValid(bytes))
    }

    @Test func failsAtTheFirstInvalidByteAndStaysFailed() {
        var validator = UTF8Validator()
        let prefixAccepted = validator.validate(ByteBuffer(bytes: Array("valid so far ".utf8) + [0xF4]))
        #expect(prefixAccepted)
        let continuationAccepted = validator.validate(ByteBuffer(bytes: [0x90]))
        #expect(!continuationAccepted, "F4 90 is above U+10FFFF")
        #expect(validator.hasFailed)
        let laterASCIIAccepted = validator.validate(ByteBuffer("plain ASCII"))
        #expect(!laterASCIIAccepted, "a failed validator stays failed")
        validator.reset()
        let afterReset = validator.validate(ByteBuffer("plain ASCII"))
        #expect(afterReset && validator.isComplete)
    }

    @Test func codePointsSplitAcrossPiecesAreValidatedAcrossTheSplit() {
        let bytes = Array("aé中🎉z".utf8)
        for cut in 0...bytes.count {
            var validator = UTF8Validator()
            let first = validator.validate(ByteBuffer(bytes: bytes[..<cut]))
            let second = validator.validate(ByteBuffer(bytes: bytes[cut...]))
            #expect(first && second && validator.isComplete, "cut at \(cut)")
        }
    }

    @Test func nonASCIIIsFoundAtEveryPositionAroundTheWordFastPath() {
        // The fast path skips 16 and 8 ASCII bytes at a time: an invalid byte must be seen wherever it sits.
        for position in 0..<40 {
            var bytes = Array(repeating: UInt8(ascii: "a"), count: 40)
            bytes[position] = 0xFF
            #expect(!isValid(bytes), "0xFF at \(position)")
            bytes[position] = 0xC3
            if position + 1 < bytes.count {
                bytes[position + 1] = 0xA9
                #expect(isValid(bytes), "é at \(position)")
            }
        }
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        // Deterministic pseudo-random sequences biased toward the interesting byte ranges.
        var generator = SplitMix64(seed: 0x5EED)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<5000 {
            let length = Int(generator.next() % 12)
            let bytes = (0..<length).map { _ in interesting[Int(generator.next() % UInt64(interesting.count))] }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(isValid(bytes) == expected, "\(bytes.map { String($0, radix: 16) })")
        }
    }
}

/// A small deterministic generator for reproducible test inputs.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
