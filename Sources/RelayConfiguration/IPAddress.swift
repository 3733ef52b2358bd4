#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, parsed with `inet_pton` (no name resolution, no Foundation networking).
///
/// Every address is held as 128 bits; IPv4 addresses are held as their IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so `10.0.0.1` and `::ffff:10.0.0.1` (what a dual-stack socket reports for
/// an IPv4 peer) are the same value, and one mask comparison serves both families.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The first and last 64 bits, most significant first (network byte order).
    public let high: UInt64
    public let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses dotted-quad IPv4 (`192.0.2.1`) or textual IPv6 (`2001:db8::1`, `::ffff:192.0.2.1`).
    /// nil for anything else: host names, brackets, ports, zone ids (`fe80::1%eth0`), spaces.
    public init?(parsing text: some StringProtocol) {
        let isIPv6 = text.contains(":")
        // The longest textual IPv6 address is 45 characters; refuse long input before copying it.
        guard !text.isEmpty, text.utf8.count <= 45, !text.utf8.contains(0) else { return nil }
        var bytes: (UInt64, UInt64) = (0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { buffer in
            String(text).withCString { inet_pton(isIPv6 ? AF_INET6 : AF_INET, $0, buffer.baseAddress) }
        }
        guard parsed == 1 else { return nil }
        if isIPv6 {
            self.init(high: UInt64(bigEndian: bytes.0), low: UInt64(bigEndian: bytes.1))
        } else {
            // inet_pton wrote the four IPv4 bytes at the start of `bytes.0`.
            let ipv4 = UInt64(UInt32(bigEndian: UInt32(truncatingIfNeeded: bytes.0)))
            self.init(high: 0, low: Self.ipv4MappedPrefix | ipv4)
        }
    }

    /// `::ffff:0:0/96`: the IPv4-mapped block.
    static let ipv4MappedPrefix: UInt64 = 0xFFFF << 32

    /// Whether this is an IPv4 address (written either way).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The canonical text: dotted quad for IPv4, RFC 5952 form (`inet_ntop`) for IPv6.
    public var description: String {
        if isIPv4 {
            let ipv4 = UInt32(truncatingIfNeeded: low)
            return "\(ipv4 >> 24).\(ipv4 >> 16 & 0xFF).\(ipv4 >> 8 & 0xFF).\(ipv4 & 0xFF)"
        }
        var bytes = (high.bigEndian, low.bigEndian)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = withUnsafeBytes(of: &bytes) { buffer in
            inet_ntop(AF_INET6, buffer.baseAddress, &text, socklen_t(text.count))
        }
        guard written != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
