import NIOCore

/// A point in wall-clock time: milliseconds since the Unix epoch, UTC.
///
/// The relay never reads a clock: the I/O layer samples the time (once per loop iteration is
/// enough) and passes it in. One time type serves event timestamps, share expiry (which is a
/// wall-clock instant by definition), stall detection and presence coalescing; millisecond
/// resolution is far finer than any of those rules need.
public struct RelayTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func < (lhs: RelayTime, rhs: RelayTime) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// This time moved by `amount` (rounded toward zero to whole milliseconds).
    public static func + (lhs: RelayTime, rhs: TimeAmount) -> RelayTime {
        RelayTime(millisecondsSinceEpoch: lhs.millisecondsSinceEpoch &+ rhs.nanoseconds / 1_000_000)
    }

    public static func - (lhs: RelayTime, rhs: TimeAmount) -> RelayTime {
        RelayTime(millisecondsSinceEpoch: lhs.millisecondsSinceEpoch &- rhs.nanoseconds / 1_000_000)
    }

    /// The time elapsed from `earlier` to `self` (negative when `earlier` is later).
    public func timeSince(_ earlier: RelayTime) -> TimeAmount {
        .milliseconds(millisecondsSinceEpoch &- earlier.millisecondsSinceEpoch)
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-25T15:44:00.123Z`.
    public var description: String {
        var buffer = ByteBuffer()
        buffer.writeRFC3339(self)
        return String(buffer: buffer)
    }
}
