/// A latency histogram with fixed bucket boundaries, kept in integer nanoseconds so an
/// observation is a short scan of the bounds and two integer adds (no floating point, no lock:
/// the owner confines it to one event loop).
struct LatencyHistogram: Sendable {
    /// Inclusive upper bounds (`le`), ascending, in nanoseconds.
    let upperBounds: [Int64]
    /// Observations per bucket (not cumulative); one more than `upperBounds`: the last counts
    /// observations above every bound (the `+Inf` bucket's share).
    private(set) var bucketCounts: [Int]
    private(set) var count = 0
    private(set) var sumNanoseconds: Int64 = 0

    init(upperBounds: [Int64]) {
        precondition(!upperBounds.isEmpty && zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.upperBounds = upperBounds
        self.bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    mutating func observe(nanoseconds: Int64) {
        let value = max(0, nanoseconds)
        var index = 0
        while index < upperBounds.count, value > upperBounds[index] { index += 1 }
        bucketCounts[index] += 1
        count += 1
        sumNanoseconds &+= value
    }

    var upperBoundsInSeconds: [Double] { upperBounds.map { Double($0) / 1e9 } }
    var sumInSeconds: Double { Double(sumNanoseconds) / 1e9 }

    private static let microsecond: Int64 = 1_000
    private static let millisecond: Int64 = 1_000_000
    private static let second: Int64 = 1_000_000_000

    /// Event arrival to the end of the drain that wrote it: 50 µs … 5 s.
    static let fanoutBounds: [Int64] = [
        50 * microsecond, 100 * microsecond, 250 * microsecond, 500 * microsecond,
        1 * millisecond, 2_500 * microsecond, 5 * millisecond, 10 * millisecond, 25 * millisecond,
        50 * millisecond, 100 * millisecond, 250 * millisecond, 500 * millisecond,
        1 * second, 2_500 * millisecond, 5 * second,
    ]

    /// One store operation: 100 µs … 10 s.
    static let storeBounds: [Int64] = [
        100 * microsecond, 250 * microsecond, 500 * microsecond,
        1 * millisecond, 2_500 * microsecond, 5 * millisecond, 10 * millisecond, 25 * millisecond,
        50 * millisecond, 100 * millisecond, 250 * millisecond, 500 * millisecond,
        1 * second, 2_500 * millisecond, 5 * second, 10 * second,
    ]
}
