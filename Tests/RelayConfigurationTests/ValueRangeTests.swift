import Foundation
import Testing
@testable import RelayConfiguration

/// A value given as a flag that must be refused, and how the error shows it (secrets masked).
struct RejectedValue: Sendable, CustomTestStringConvertible {
    var key: String
    var value: String
    var shown: String

    init(_ key: String, _ value: String, shown: String? = nil) {
        self.key = key
        self.value = value
        self.shown = shown ?? value
    }

    var testDescription: String { "\(key)=\(value)" }
}

/// A value given as a flag (with other flags it needs) that must be accepted as `expected`.
struct AcceptedValue: Sendable, CustomTestStringConvertible {
    var key: String
    var value: String
    var alongside: [String: String]
    var check: @Sendable (RelayConfiguration) -> Bool

    init(
        _ key: String, _ value: String, alongside: [String: String] = [:],
        _ check: @escaping @Sendable (RelayConfiguration) -> Bool
    ) {
        self.key = key
        self.value = value
        self.alongside = alongside
        self.check = check
    }

    var testDescription: String { "\(key)=\(value)" }
}

let sixtyFiveKeys = (0..<65).map { String(format: "clw_owner_%032d", $0) }.joined(separator: ",")
let seventeenAddresses = (1...17).map { "127.0.0.1:\($0)" }.joined(separator: ",")

/// Just outside every range, and every other kind of wrong value, for every key.
let rejectedValues: [RejectedValue] = [
    RejectedValue("listen", "127.0.0.1:65536"),
    RejectedValue("listen", "127.0.0.1"),
    RejectedValue("listen", "[::1:8080"),
    RejectedValue("listen", "local host:80"),
    RejectedValue("listen", ""),
    RejectedValue("listen", "127.0.0.1:1,127.0.0.1:1"),
    RejectedValue("listen", seventeenAddresses),
    RejectedValue("dataDirectory", ""),
    RejectedValue("webDirectory", ""),
    RejectedValue("ownerKeys", "clw_owner_short", shown: "clw_own…"),
    RejectedValue("ownerKeys", "0123456789 abcdef", shown: "01…"),
    RejectedValue("ownerKeys", String(repeating: "k", count: 257), shown: "kk…"),
    RejectedValue("ownerKeys", sixtyFiveKeys, shown: "clw_owner_00…"),
    RejectedValue("trustedProxies", "10.0.0.1/8"),
    RejectedValue("trustedProxies", "127.0.0.1/33"),
    RejectedValue("trustedProxies", "::1/129"),
    RejectedValue("trustedProxies", "10.0.0.0/8, proxy.internal", shown: "proxy.internal"),
    RejectedValue("trustedProxies", "127.0.0.1:8080"),
    RejectedValue("trustedProxies", "fe80::1%eth0"),
    RejectedValue("trustedProxies", "10.0.0.0/"),
    RejectedValue("tls.enabled", "1"),
    RejectedValue("tls.certificateFile", "cert\u{0}.pem"),
    RejectedValue("tls.privateKeyFile", "key\u{0}.pem"),
    RejectedValue("tls.minimumVersion", "1.1"),
    RejectedValue("store.kind", "mysql"),
    RejectedValue("store.postgresURL", "mysql://relay:hunter2@db/share", shown: "mysql://relay:…@db/share"),
    RejectedValue("store.postgresURL", "postgres:///share"),
    RejectedValue("store.postgresURL", "postgres//relay:hunter2@db/share", shown: "po…"),
    RejectedValue("shares.defaultExpiry", "0"),
    RejectedValue("shares.defaultExpiry", "1.5"),
    RejectedValue("shares.defaultExpiry", "3651d"),
    RejectedValue("shares.maxExpiry", "0"),
    RejectedValue("shares.maxExpiry", "3651d"),
    RejectedValue("shares.allowIndefinite", "maybe"),
    RejectedValue("history.maxEvents", "0"),
    RejectedValue("history.maxEvents", "100000001"),
    RejectedValue("history.maxBytes", "1023"),
    RejectedValue("history.maxBytes", "68719476737"),
    RejectedValue("limits.maxEventBytes", "15"),
    RejectedValue("limits.maxEventBytes", "67108865"),
    RejectedValue("limits.maxViewersPerShare", "0"),
    RejectedValue("limits.maxViewersPerShare", "1000001"),
    RejectedValue("limits.maxViewersPerSession", "0"),
    RejectedValue("limits.maxViewersPerSession", "1000001"),
    RejectedValue("limits.maxViewersTotal", "0"),
    RejectedValue("limits.maxViewersTotal", "10000001"),
    RejectedValue("limits.handshakesPerAddressPerSecond", "-1"),
    RejectedValue("limits.handshakesPerAddressPerSecond", "1000001"),
    RejectedValue("limits.handshakeTimeout", "99ms"),
    RejectedValue("limits.handshakeTimeout", "301"),
    RejectedValue("limits.maxRPCBodyBytes", "1023"),
    RejectedValue("limits.maxRPCBodyBytes", "67108865"),
    RejectedValue("limits.authFailuresPerAddressPerMinute", "0"),
    RejectedValue("limits.authFailuresPerAddressPerMinute", "100001"),
    RejectedValue("timeouts.stall", "0.099"),
    RejectedValue("timeouts.stall", "3601"),
    RejectedValue("timeouts.pingInterval", "99ms"),
    RejectedValue("timeouts.pingInterval", "61m"),
    RejectedValue("timeouts.pong", "0"),
    RejectedValue("timeouts.pong", "2h"),
    RejectedValue("timeouts.close", "99ms"),
    RejectedValue("timeouts.close", "61"),
    RejectedValue("timeouts.shutdownGrace", "-1"),
    RejectedValue("timeouts.shutdownGrace", "301"),
    RejectedValue("logging.level", "verbose"),
    RejectedValue("logging.format", "xml"),
    RejectedValue("metrics.enabled", "on"),
    RejectedValue("metrics.bearerKey", "short", shown: "sh…"),
]

/// The edges of every range, which must be accepted.
let acceptedValues: [AcceptedValue] = [
    AcceptedValue("listen", "0.0.0.0:0") { $0.listen == [ListenAddress(host: "0.0.0.0", port: 0)] },
    AcceptedValue("listen", "[::1]:65535, relay.example:443") {
        $0.listen == [ListenAddress(host: "::1", port: 65535), ListenAddress(host: "relay.example", port: 443)]
    },
    AcceptedValue("ownerKeys", "") { $0.ownerKeys.isEmpty },
    AcceptedValue("trustedProxies", "") { $0.trustedProxies.isEmpty },
    AcceptedValue("trustedProxies", " 127.0.0.1 ,, 10.0.0.0/8,::1, fd00::/8, 0.0.0.0/0, ::/0 ,") {
        $0.trustedProxies.map(\.description) == ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0", "::/0"]
    },
    AcceptedValue("ownerKeys", String(sixtyFiveKeys.dropFirst(43))) { $0.ownerKeys.count == 64 },
    AcceptedValue("tls.enabled", "TRUE", alongside: ["tls.certificateFile": "c.pem", "tls.privateKeyFile": "k.pem"]) {
        $0.tls.enabled
    },
    AcceptedValue("tls.minimumVersion", "1.3") { $0.tls.minimumVersion == .v1_3 },
    AcceptedValue("store.kind", "Postgres", alongside: ["store.postgresURL": "postgres://db/share"]) {
        $0.store.kind == .postgres
    },
    AcceptedValue("store.postgresURL", "postgresql://relay:hunter2@db.internal:5432/share") {
        $0.store.postgresURL == "postgresql://relay:hunter2@db.internal:5432/share"
    },
    AcceptedValue("shares.defaultExpiry", "1") { $0.shares.defaultExpiry == .seconds(1) },
    AcceptedValue("shares.defaultExpiry", "3650d", alongside: ["shares.maxExpiry": "3650d"]) {
        $0.shares.defaultExpiry == .seconds(3650 * 86400)
    },
    AcceptedValue("shares.maxExpiry", "1h") { $0.shares.maxExpiry == .seconds(3600) },
    AcceptedValue("history.maxEvents", "1") { $0.history.maxEvents == 1 },
    AcceptedValue("history.maxEvents", "100000000") { $0.history.maxEvents == 100_000_000 },
    AcceptedValue("history.maxBytes", "1KiB", alongside: ["limits.maxEventBytes": "16"]) { $0.history.maxBytes == 1024 },
    AcceptedValue("history.maxBytes", "64GiB") { $0.history.maxBytes == 64 << 30 },
    AcceptedValue("limits.maxEventBytes", "16") { $0.limits.maxEventBytes == 16 },
    AcceptedValue("limits.maxEventBytes", "64MiB") { $0.limits.maxEventBytes == 64 << 20 },
    AcceptedValue("limits.maxViewersPerShare", "1000000") { $0.limits.maxViewersPerShare == 1_000_000 },
    AcceptedValue("limits.maxViewersTotal", "10000000") { $0.limits.maxViewersTotal == 10_000_000 },
    AcceptedValue("limits.handshakesPerAddressPerSecond", "0") { $0.limits.handshakesPerAddressPerSecond == 0 },
    AcceptedValue("limits.handshakeTimeout", "100ms") { $0.limits.handshakeTimeout == .milliseconds(100) },
    AcceptedValue("limits.handshakeTimeout", "5m") { $0.limits.handshakeTimeout == .seconds(300) },
    AcceptedValue("limits.maxRPCBodyBytes", "1 KiB") { $0.limits.maxRPCBodyBytes == 1024 },
    AcceptedValue("timeouts.stall", "0.1") { $0.timeouts.stall == .milliseconds(100) },
    AcceptedValue("timeouts.stall", "1h") { $0.timeouts.stall == .seconds(3600) },
    AcceptedValue("timeouts.pong", "1.5") { $0.timeouts.pong == .milliseconds(1500) },
    AcceptedValue("timeouts.close", "1m") { $0.timeouts.close == .seconds(60) },
    AcceptedValue("timeouts.shutdownGrace", "0") { $0.timeouts.shutdownGrace == .zero },
    AcceptedValue("logging.level", "WARNING") { $0.logging.level == .warning },
    AcceptedValue("logging.format", "json") { $0.logging.format == .json },
    AcceptedValue("metrics.enabled", "False") { !$0.metrics.enabled },
    AcceptedValue("metrics.bearerKey", metricsKey) { $0.metrics.bearerKey == metricsKey },
    AcceptedValue("tls.certificateFile", "") { $0.tls.certificateFile == nil },
]

@Suite struct ValueRangeTests {
    @Test(arguments: rejectedValues)
    func valueOutsideWhatIsAllowedIsRefusedNamingKeyValueAndAllowed(_ rejected: RejectedValue) throws {
        let key = try #require(RelayConfiguration.key(named: rejected.key))
        #expect(loadError(flags: [rejected.key: rejected.value])
            == .invalidValue(key: rejected.key, value: "'\(rejected.shown)'", allowed: key.allowed,
                             origin: .flag(key: rejected.key)))
    }

    @Test(arguments: acceptedValues)
    func valueAtTheEdgeOfWhatIsAllowedIsAccepted(_ accepted: AcceptedValue) throws {
        var flags = accepted.alongside
        flags[accepted.key] = accepted.value
        let configuration = try load(flags: flags)
        #expect(accepted.check(configuration))
    }

    @Test func everyKeyHasARefusedValueTest() {
        let tested = Set(rejectedValues.map(\.key))
        #expect(tested == Set(RelayConfiguration.keys.map(\.name)))
    }

    @Test func rangeMessagesStateTheBoundsInReadableUnits() {
        #expect(loadMessage(flags: ["limits.maxViewersPerShare": "0"])
            == "flag limits.maxViewersPerShare: invalid value '0' for limits.maxViewersPerShare; expected an integer from 1 to 1000000")
        #expect(loadMessage(flags: ["shares.defaultExpiry": "1.5"])
            == "flag shares.defaultExpiry: invalid value '1.5' for shares.defaultExpiry; expected a duration from 1s to 3650d in whole seconds (seconds, or a number with a unit: s, m, h, d)")
        #expect(loadMessage(flags: ["history.maxBytes": "1023"])
            == "flag history.maxBytes: invalid value '1023' for history.maxBytes; expected a byte size from 1KiB to 64GiB (bytes, or a whole number with a unit: KiB, MiB, GiB)")
        #expect(loadMessage(flags: ["limits.handshakesPerAddressPerSecond": "-1"])
            == "flag limits.handshakesPerAddressPerSecond: invalid value '-1' for limits.handshakesPerAddressPerSecond; expected an integer from 0 to 1000000 (0 turns the limit off)")
        #expect(loadMessage(flags: ["logging.level": "verbose"])
            == "flag logging.level: invalid value 'verbose' for logging.level; expected one of trace, debug, info, notice, warning, error, critical")
    }

    @Test func secretsAreMaskedInErrorMessages() {
        let message = loadMessage(environment: ["SHARE_RELAY_OWNER_KEY": "clw_owner_tiny"]) ?? ""
        #expect(message == "environment variable SHARE_RELAY_OWNER_KEY: invalid value 'clw_own…' for ownerKeys; "
            + "expected a list of up to 64 keys, each 16 to 256 printable ASCII characters without spaces or commas")
        #expect(!message.contains("tiny"))
    }

    @Test func durationsAcceptSecondsAndUnitsExactToTheMillisecond() {
        let cases: [(String, Int64?)] = [
            ("30", 30_000), ("0.5", 500), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("30d", 2_592_000_000),
            ("1500ms", 1_500), ("1.5m", 90_000), (" 10 s ", 10_000), ("2H", 7_200_000),
            ("", nil), ("s", nil), ("5 minutes", nil), ("1.0005", nil), ("-1", nil), ("1.", nil), (".5", nil),
            ("1e3", nil), ("12345678901", nil),
        ]
        for (text, milliseconds) in cases {
            #expect(DurationFormat.milliseconds(parsing: text) == milliseconds, "\(text)")
        }
    }

    @Test func byteSizesAcceptBytesAndBinaryUnitsOnly() {
        let cases: [(String, Int?)] = [
            ("1048576", 1_048_576), ("64KiB", 65_536), ("1 MiB", 1_048_576), ("2gib", 2 << 30), ("5B", 5),
            ("1MB", nil), ("1.5MiB", nil), ("MiB", nil), ("", nil), ("-1", nil), ("1K", nil),
        ]
        for (text, bytes) in cases {
            #expect(ByteSizeFormat.bytes(parsing: text) == bytes, "\(text)")
        }
    }

    @Test func listenAddressesParseHostsPortsAndBracketedIPv6() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(parsing: "[::]:443") == ListenAddress(host: "::", port: 443))
        #expect(ListenAddress(parsing: "[fe80::1%eth0]:80") == ListenAddress(host: "fe80::1%eth0", port: 80))
        #expect(ListenAddress(parsing: "relay-1.example:8080") == ListenAddress(host: "relay-1.example", port: 8080))
        for bad in ["8080", ":8080", "host:", "host:65536", "host:+80", "::1:8080", "[::1]", "[host]:80", "a b:1", "h:123456"] {
            #expect(ListenAddress(parsing: bad) == nil, "\(bad)")
        }
        #expect(ListenAddress(host: "::1", port: 8080).description == "[::1]:8080")
    }

    @Test func validateRefusesAValueBuiltInCodeWithoutAnOrigin() {
        var configuration = RelayConfiguration()
        configuration.limits.maxViewersPerShare = 0
        #expect(throws: ConfigurationError.invalidValue(
            key: "limits.maxViewersPerShare", value: "0", allowed: "an integer from 1 to 1000000", origin: nil)) {
            try configuration.validate()
        }
        #expect(ConfigurationError.invalidValue(
            key: "limits.maxViewersPerShare", value: "0", allowed: "an integer from 1 to 1000000", origin: nil).description
            == "invalid value 0 for limits.maxViewersPerShare; expected an integer from 1 to 1000000")

        configuration = RelayConfiguration()
        configuration.timeouts.stall = .microseconds(100_500)
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration = RelayConfiguration(ownerKeys: ["short"])
        #expect(throws: ConfigurationError.invalidValue(
            key: "ownerKeys", value: "[\"sh…\"]", allowed: RelayConfiguration.key(named: "ownerKeys")!.allowed, origin: nil)) {
            try configuration.validate()
        }
    }
}
