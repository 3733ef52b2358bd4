import Foundation

/// A CIDR range (`10.0.0.0/8`, `fd00::/8`) or a single address (`127.0.0.1`, `::1`): how
/// `trustedProxies` names the proxies whose forwarded headers the relay believes.
///
/// An IPv4 range matches IPv4 peers however the socket reports them (`10.0.0.1` or
/// `::ffff:10.0.0.1`), see `IPAddress`. Bits set after the prefix (`10.0.0.1/8`) are refused
/// rather than silently cleared: the operator probably meant something else.
public struct IPAddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the range.
    public let network: IPAddress
    /// Leading bits that must match, counted over the 128-bit form (an IPv4 `/8` is 104 here).
    let prefixLength128: Int

    /// Parses `ADDRESS` or `ADDRESS/PREFIX` (0 to 32 for IPv4, 0 to 128 for IPv6), without spaces.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parsing: parts[0]) else { return nil }
        let writtenAsIPv6 = parts[0].contains(":")
        let maximum = writtenAsIPv6 ? 128 : 32
        var prefix = maximum
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                  let value = Int(digits), value <= maximum
            else { return nil }
            prefix = value
        }
        self.init(network: address, prefixLength128: writtenAsIPv6 ? prefix : 96 + prefix)
        guard Self.masked(address, prefixLength128) == address else { return nil }
    }

    init(network: IPAddress, prefixLength128: Int) {
        self.network = network
        self.prefixLength128 = prefixLength128
    }

    /// The prefix length in the range's own family (`8` for `10.0.0.0/8`).
    public var prefixLength: Int { isIPv4 ? prefixLength128 - 96 : prefixLength128 }

    /// An IPv4 range (written as IPv4, or as an IPv4-mapped IPv6 range of at least /96).
    public var isIPv4: Bool { network.isIPv4 && prefixLength128 >= 96 }

    public func contains(_ address: IPAddress) -> Bool {
        Self.masked(address, prefixLength128) == network
    }

    /// `10.0.0.0/8`; a single address is written alone (`127.0.0.1`, `::1`).
    public var description: String {
        let full = isIPv4 ? 32 : 128
        return prefixLength == full ? network.description : "\(network)/\(prefixLength)"
    }

    /// The address with every bit after the first `prefixLength` (of 128) cleared.
    private static func masked(_ address: IPAddress, _ prefixLength: Int) -> IPAddress {
        // Smart shifts: shifting a UInt64 by 64 gives 0, so /0, /64 and /128 need no special case.
        let highMask = UInt64.max << (64 - min(prefixLength, 64))
        let lowMask = UInt64.max << (128 - max(prefixLength, 64))
        return IPAddress(high: address.high & highMask, low: address.low & lowMask)
    }
}

extension IPAddressRange: ScalarParsable {
    init?(configurationText text: String) { self.init(parsing: text) }
    var isValidConfigurationValue: Bool { (0...128).contains(prefixLength128) }
}
