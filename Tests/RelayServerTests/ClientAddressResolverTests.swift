import RelayConfiguration
import RelayServer
import Testing

/// The client-address rule behind trusted proxies (`ClientAddressResolver`).
@Suite struct ClientAddressResolverTests {
    static func resolver(_ ranges: String...) -> ClientAddressResolver {
        ClientAddressResolver(trustedProxies: ranges.map { IPAddressRange(parsing: $0)! })
    }

    let nginx = resolver("127.0.0.1", "::1")

    @Test func withoutTrustedProxiesTheHeadersAreIgnored() {
        let none = ClientAddressResolver()
        #expect(none.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"], realIP: "203.0.113.9") == "127.0.0.1")
    }

    @Test func anUntrustedPeerCannotChooseItsAddress() {
        #expect(nginx.clientAddress(peer: "198.51.100.4", forwardedFor: ["203.0.113.9"], realIP: "203.0.113.9") == "198.51.100.4")
        #expect(nginx.clientAddress(peer: "127.0.0.2", forwardedFor: ["203.0.113.9"], realIP: nil) == "127.0.0.2")
    }

    @Test func aTrustedPeerForwardsTheRightMostUntrustedAddress() {
        // The client wrote "1.1.1.1" itself; nginx appended the address it saw.
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1, 203.0.113.9"], realIP: nil) == "203.0.113.9")
        #expect(nginx.clientAddress(peer: "::1", forwardedFor: ["2001:db8::7"], realIP: nil) == "2001:db8::7")
    }

    @Test func trustedEntriesAreSkippedFromTheRight() {
        let chain = Self.resolver("127.0.0.1", "10.0.0.0/8")
        #expect(chain.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.9, 10.1.1.1, 10.2.2.2"], realIP: nil) == "203.0.113.9")
    }

    @Test func whenEveryEntryIsTrustedTheLeftMostIsTheClient() {
        let chain = Self.resolver("127.0.0.1", "10.0.0.0/8")
        #expect(chain.clientAddress(peer: "127.0.0.1", forwardedFor: ["10.9.9.9, 10.1.1.1"], realIP: "203.0.113.9") == "10.9.9.9")
    }

    @Test func severalHeadersAreJoinedInOrder() {
        let chain = Self.resolver("127.0.0.1", "10.0.0.0/8")
        #expect(chain.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "203.0.113.9", "10.1.1.1"], realIP: nil) == "203.0.113.9")
        #expect(chain.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9, 10.1.1.1", "10.2.2.2"], realIP: nil) == "203.0.113.9")
    }

    @Test func spacesAndEmptyEntriesAreIgnored() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: [" 1.1.1.1 ,\t203.0.113.9 , ,"], realIP: nil) == "203.0.113.9")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["", " , "], realIP: "203.0.113.5") == "203.0.113.5")
    }

    @Test func realIPIsUsedOnlyWithoutForwardedFor() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: [], realIP: " 203.0.113.5 ") == "203.0.113.5")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"], realIP: "203.0.113.5") == "203.0.113.9")
    }

    @Test func withNeitherHeaderOrGarbageThePeerIsTheClient() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: [], realIP: nil) == "127.0.0.1")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: [], realIP: "not-an-ip") == "127.0.0.1")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["unknown"], realIP: "203.0.113.5") == "127.0.0.1")
        // Garbage where the client would be: nothing left of it can be believed.
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9, <script>"], realIP: nil) == "127.0.0.1")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9, 10.0.0.1/8"], realIP: nil) == "127.0.0.1")
    }

    @Test func garbageLeftOfTheClientDoesNotMatter() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["garbage, 203.0.113.9"], realIP: nil) == "203.0.113.9")
    }

    @Test func forwardedAddressesWithPortsAndBracketsAreUnderstood() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9:4711"], realIP: nil) == "203.0.113.9")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["[2001:db8::7]:4711"], realIP: nil) == "2001:db8::7")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["[2001:db8::7]"], realIP: nil) == "2001:db8::7")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["[2001:db8::7]x"], realIP: nil) == "127.0.0.1")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9:"], realIP: nil) == "127.0.0.1")
    }

    @Test func addressesAreCanonicalSoSpellingsShareOneBudget() {
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["2001:DB8:0:0::7"], realIP: nil) == "2001:db8::7")
        #expect(nginx.clientAddress(peer: "127.0.0.1", forwardedFor: ["::ffff:203.0.113.9"], realIP: nil) == "203.0.113.9")
    }

    @Test func ipv4MappedPeersMatchIPv4Proxies() {
        // What a dual-stack listener ([::]:8080) reports for an IPv4 connection.
        #expect(nginx.clientAddress(peer: "::ffff:127.0.0.1", forwardedFor: ["203.0.113.9"], realIP: nil) == "203.0.113.9")
    }

    @Test func cidrRangesOfProxiesAreTrusted() {
        let lan = Self.resolver("10.0.0.0/8", "fd00::/8")
        #expect(lan.clientAddress(peer: "10.20.30.40", forwardedFor: ["203.0.113.9"], realIP: nil) == "203.0.113.9")
        #expect(lan.clientAddress(peer: "fd12::1", forwardedFor: ["203.0.113.9"], realIP: nil) == "203.0.113.9")
        #expect(lan.clientAddress(peer: "11.0.0.1", forwardedFor: ["203.0.113.9"], realIP: nil) == "11.0.0.1")
    }

    @Test func anUnparsablePeerIsNotTrusted() {
        #expect(nginx.clientAddress(peer: "unknown", forwardedFor: ["203.0.113.9"], realIP: nil) == "unknown")
    }
}
