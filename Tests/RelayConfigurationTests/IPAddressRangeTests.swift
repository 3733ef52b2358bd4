import Testing
@testable import RelayConfiguration

/// `IPAddress` and `IPAddressRange`: the parsing and matching behind `trustedProxies`.
@Suite struct IPAddressRangeTests {
    func address(_ text: String) throws -> IPAddress { try #require(IPAddress(parsing: text), "\(text)") }
    func range(_ text: String) throws -> IPAddressRange { try #require(IPAddressRange(parsing: text), "\(text)") }

    @Test func addressesParseAndPrintCanonically() throws {
        #expect(try address("192.0.2.1").description == "192.0.2.1")
        #expect(try address("0.0.0.0").description == "0.0.0.0")
        #expect(try address("255.255.255.255").description == "255.255.255.255")
        #expect(try address("2001:0DB8:0:0:0:0:0:1").description == "2001:db8::1")
        #expect(try address("::").description == "::")
        #expect(try address("::1").description == "::1")
        #expect(try address("fe80::1:2").description == "fe80::1:2")
    }

    @Test func ipv4MappedIPv6IsTheSameAddressAsIPv4() throws {
        #expect(try address("::ffff:192.0.2.1") == address("192.0.2.1"))
        #expect(try address("::FFFF:c000:0201") == address("192.0.2.1"))
        #expect(try address("::ffff:192.0.2.1").description == "192.0.2.1")
        #expect(try address("::ffff:192.0.2.1").isIPv4)
        // IPv4-compatible (deprecated) and NAT64 addresses are IPv6, not IPv4.
        #expect(try !address("::192.0.2.1").isIPv4)
        #expect(try !address("64:ff9b::192.0.2.1").isIPv4)
    }

    @Test(arguments: [
        "", " 192.0.2.1", "192.0.2.1 ", "192.0.2", "192.0.2.256", "192.0.2.1.5", "1.2.3.4:80", "[::1]", "::1%lo",
        "example.com", "unknown", "2001:db8::1::2", "12345::", "::g", "192.0.2.1\u{0}", String(repeating: "1", count: 60),
    ])
    func garbageIsNotAnAddress(_ text: String) {
        #expect(IPAddress(parsing: text) == nil)
    }

    @Test func singleAddressRangesMatchOnlyThatAddress() throws {
        let loopback = try range("127.0.0.1")
        #expect(loopback.prefixLength == 32 && loopback.description == "127.0.0.1")
        #expect(try loopback.contains(address("127.0.0.1")))
        #expect(try loopback.contains(address("::ffff:127.0.0.1")))
        #expect(try !loopback.contains(address("127.0.0.2")))
        #expect(try !loopback.contains(address("::1")))
        let v6 = try range("::1/128")
        #expect(v6.description == "::1")
        #expect(try v6.contains(address("::1")) && !v6.contains(address("::2")) && !v6.contains(address("127.0.0.1")))
    }

    @Test func cidrEdgesMatchExactlyTheirBlock() throws {
        let ten = try range("10.0.0.0/8")
        #expect(try ten.contains(address("10.0.0.0")) && ten.contains(address("10.255.255.255")))
        #expect(try !ten.contains(address("9.255.255.255")) && !ten.contains(address("11.0.0.0")))
        let odd = try range("192.0.2.128/25")
        #expect(try odd.contains(address("192.0.2.128")) && odd.contains(address("192.0.2.255")))
        #expect(try !odd.contains(address("192.0.2.127")))
        let slash31 = try range("192.0.2.2/31")
        #expect(try slash31.contains(address("192.0.2.3")) && !slash31.contains(address("192.0.2.4")))
        let ula = try range("fd00::/8")
        #expect(try ula.contains(address("fdff:ffff::1")) && !ula.contains(address("fe00::")))
        let slash64 = try range("2001:db8:0:1::/64")
        #expect(try slash64.contains(address("2001:db8:0:1:ffff:ffff:ffff:ffff")))
        #expect(try !slash64.contains(address("2001:db8:0:2::")))
        let slash65 = try range("2001:db8::8000:0:0:0/65")
        #expect(try slash65.contains(address("2001:db8::ffff:0:0:0")) && !slash65.contains(address("2001:db8::7fff:0:0:0")))
        let slash127 = try range("2001:db8::/127")
        #expect(try slash127.contains(address("2001:db8::1")) && !slash127.contains(address("2001:db8::2")))
    }

    @Test func slashZeroMatchesItsWholeFamily() throws {
        let allIPv4 = try range("0.0.0.0/0")
        #expect(try allIPv4.contains(address("0.0.0.0")) && allIPv4.contains(address("255.255.255.255")))
        #expect(try allIPv4.contains(address("::ffff:8.8.8.8")))
        #expect(try !allIPv4.contains(address("::1")) && !allIPv4.contains(address("2001:db8::1")))
        let everything = try range("::/0")
        #expect(try everything.contains(address("::1")) && everything.contains(address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")))
        #expect(try everything.contains(address("203.0.113.7")))
    }

    @Test func ipv4MappedRangesMatchIPv4Peers() throws {
        let mapped = try range("::ffff:10.0.0.0/104")
        #expect(mapped.description == "10.0.0.0/8")
        #expect(try mapped == range("10.0.0.0/8"))
        #expect(try mapped.contains(address("10.1.2.3")))
    }

    @Test(arguments: [
        "10.0.0.1/8", "127.0.0.1/33", "::1/129", "::1/127", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
        "10.0.0.0 /8", "/8", "fe80::/10%eth0", "localhost", "0.0.0.0/0000",
    ])
    func malformedRangesAreRefused(_ text: String) {
        #expect(IPAddressRange(parsing: text) == nil)
    }
}
