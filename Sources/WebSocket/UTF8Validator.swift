import NIOCore

/// An incremental UTF-8 validator: a deterministic finite automaton over the well-formed byte
/// sequences of Unicode (table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
///
/// It keeps its state between calls, so a text message is validated piece by piece as its bytes
/// arrive, across frames, and fails on the first byte that cannot continue a valid sequence
/// (RFC 6455 section 8.1 lets us fail fast). `isComplete` then says whether the input ended on a
/// code point boundary, which is required at the end of a message.
///
/// Speed: at an ASCII byte between code points it skips the ASCII run 16 and 8 bytes at a time with
/// word tests; otherwise one table load, shift and mask per byte (the load does not depend on the state,
/// so only the shift and mask are on the critical path). The table is the "shift DFA" layout: for each byte value, one
/// 64-bit row packing the next state of every current state in 6-bit fields, where a state is the
/// bit offset of its own field, so a transition is `row[byte] >> state & 63`.
public struct UTF8Validator: Sendable, Hashable {
    private var state: UInt64 = State.accept

    public init() {}

    /// True when everything validated so far is well-formed and ends on a code point boundary.
    public var isComplete: Bool { state == State.accept }

    /// True once an invalid sequence was seen; it stays true until `reset()`.
    public var hasFailed: Bool { state == State.reject }

    public mutating func reset() {
        state = State.accept
    }

    /// Validates the next bytes of the input. Returns false (and stays failed) if a byte in them cannot
    /// continue a well-formed sequence; true otherwise, even when a code point is left open at the end.
    @discardableResult
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard state != State.reject else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var state = self.state
        var index = 0
        Self.transitions.withUnsafeBufferPointer { table in
            while index < count {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                if byte < 0x80 && state == State.accept {
                    // Between code points at an ASCII byte: skip the ASCII run a word at a time.
                    index &+= 1
                    while index &+ 16 <= count {
                        let a = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        let b = base.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self)
                        guard (a | b) & 0x8080_8080_8080_8080 == 0 else { break }
                        index &+= 16
                    }
                    while index &+ 8 <= count,
                        base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                    {
                        index &+= 8
                    }
                    continue
                }
                // The reject state maps every byte to itself, so one check after the loop is enough.
                state = (table[Int(byte)] >> state) & 63
                index &+= 1
            }
        }
        self.state = state
        return state != State.reject
    }

    /// Validates the readable bytes of `buffer` (see `validate(_:)` for raw bytes).
    @discardableResult
    public mutating func validate(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { validate($0) }
    }

    /// Whether `buffer` holds complete, well-formed UTF-8.
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(buffer) && validator.isComplete
    }

    public static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        var validator = UTF8Validator()
        let result = bytes.withContiguousStorageIfAvailable { validator.validate(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { validator.validate($0) }
        return result && validator.isComplete
    }

    // MARK: - The automaton

    /// States, each the bit offset of its field in a table row.
    private enum State {
        static let accept: UInt64 = 0
        static let reject: UInt64 = 6
        /// One continuation byte (80-BF) left.
        static let needOne: UInt64 = 12
        /// Two continuation bytes left.
        static let needTwo: UInt64 = 18
        /// After E0: the next byte must be A0-BF (no overlong 3-byte forms).
        static let afterE0: UInt64 = 24
        /// After ED: the next byte must be 80-9F (no surrogates D800-DFFF).
        static let afterED: UInt64 = 30
        /// Three continuation bytes left.
        static let needThree: UInt64 = 36
        /// After F0: the next byte must be 90-BF (no overlong 4-byte forms).
        static let afterF0: UInt64 = 42
        /// After F4: the next byte must be 80-8F (nothing above U+10FFFF).
        static let afterF4: UInt64 = 48

        static let all: [UInt64] = [accept, reject, needOne, needTwo, afterE0, afterED, needThree, afterF0, afterF4]
    }

    private static let transitions: [UInt64] = (0...255).map { byte in
        var row: UInt64 = 0
        for state in State.all {
            row |= nextState(from: state, byte: UInt8(byte)) << state
        }
        return row
    }

    private static func nextState(from state: UInt64, byte: UInt8) -> UInt64 {
        let isContinuation = (0x80...0xBF).contains(byte)
        switch state {
        case State.accept:
            switch byte {
            case 0x00...0x7F: return State.accept
            case 0xC2...0xDF: return State.needOne
            case 0xE0: return State.afterE0
            case 0xE1...0xEC, 0xEE...0xEF: return State.needTwo
            case 0xED: return State.afterED
            case 0xF0: return State.afterF0
            case 0xF1...0xF3: return State.needThree
            case 0xF4: return State.afterF4
            default: return State.reject  // stray continuation, C0/C1 (overlong), F5-FF
            }
        case State.needOne: return isContinuation ? State.accept : State.reject
        case State.needTwo: return isContinuation ? State.needOne : State.reject
        case State.needThree: return isContinuation ? State.needTwo : State.reject
        case State.afterE0: return (0xA0...0xBF).contains(byte) ? State.needOne : State.reject
        case State.afterED: return (0x80...0x9F).contains(byte) ? State.needOne : State.reject
        case State.afterF0: return (0x90...0xBF).contains(byte) ? State.needTwo : State.reject
        case State.afterF4: return (0x80...0x8F).contains(byte) ? State.needTwo : State.reject
        default: return State.reject
        }
    }
}
