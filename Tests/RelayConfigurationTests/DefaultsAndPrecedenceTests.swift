import Foundation
import Testing
@testable import RelayConfiguration

@Suite struct DefaultsAndPrecedenceTests {
    @Test func defaultsAreTheValuesTheIssuesSpecify() {
        let defaults = RelayConfiguration.defaults
        #expect(defaults.listen == [ListenAddress(host: "127.0.0.1", port: 8080)])
        #expect(defaults.dataDirectory == "./data")
        #expect(defaults.webDirectory == "web")
        #expect(defaults.ownerKeys.isEmpty)
        #expect(defaults.tls == TLSSettings(enabled: false, certificateFile: nil, privateKeyFile: nil, minimumVersion: .v1_2))
        #expect(defaults.store.kind == .sqlite)
        #expect(defaults.shares.defaultExpiry == .seconds(3600))
        #expect(defaults.shares.maxExpiry == .seconds(30 * 24 * 3600))
        #expect(defaults.shares.allowIndefinite == false)
        #expect(defaults.history.maxEvents == 10_000)
        #expect(defaults.history.maxBytes == 67_108_864)
        #expect(defaults.limits.maxEventBytes == 1_048_576)
        #expect(defaults.limits.maxViewersPerShare == 10_000)
        #expect(defaults.limits.maxRPCBodyBytes == 1_048_576)
        #expect(defaults.timeouts.stall == .seconds(60))
        #expect(defaults.timeouts.pingInterval == .seconds(30))
        #expect(defaults.timeouts.shutdownGrace == .seconds(5))
        #expect(defaults.logging == LoggingSettings(level: .info, format: .text))
        #expect(defaults.metrics == MetricsSettings(enabled: true, bearerKey: nil))
    }

    @Test func defaultsPassValidation() throws {
        try RelayConfiguration.defaults.validate()
    }

    @Test func nothingGivenYieldsTheDefaults() throws {
        #expect(try RelayConfiguration.load(file: nil, environment: [:], flags: [:]) == .defaults)
        #expect(try load("") == .defaults)
        #expect(try load("# only a comment\n") == .defaults)
        #expect(try load("---\n") == .defaults)
    }

    @Test func flagsOverrideEnvironmentOverrideFileOverrideDefaults() throws {
        // history.maxEvents is set by all three layers, maxBytes by file and environment,
        // limits.maxEventBytes by the file only, and stall by none.
        let yaml = """
            history:
              maxEvents: 100
              maxBytes: 2MiB
            limits:
              maxEventBytes: 4KiB
            """
        let environment = ["SHARE_RELAY_HISTORY_MAX_EVENTS": "200", "SHARE_RELAY_HISTORY_MAX_BYTES": "3MiB"]
        let flags = ["history.maxEvents": "300"]
        let configuration = try load(yaml, environment: environment, flags: flags)
        #expect(configuration.history.maxEvents == 300)
        #expect(configuration.history.maxBytes == 3 << 20)
        #expect(configuration.limits.maxEventBytes == 4 << 10)
        #expect(configuration.timeouts.stall == .seconds(60))

        let withoutFlags = try load(yaml, environment: environment)
        #expect(withoutFlags.history.maxEvents == 200)
        let fileOnly = try load(yaml)
        #expect(fileOnly.history.maxEvents == 100)
    }

    @Test func aBadValueInAnOverriddenLayerStillStopsStartUp() {
        #expect(loadMessage("history:\n  maxEvents: lots\n", flags: ["history.maxEvents": "5"])
            == "relay.yaml:2: invalid value 'lots' for history.maxEvents; expected an integer from 1 to 100000000")
    }

    @Test func loadReadsTheFileNamedByItsPath() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("share-relay.yaml").path
        try "listen: \"0.0.0.0:9000\"\n".write(toFile: path, atomically: true, encoding: .utf8)

        let configuration = try RelayConfiguration.load(file: path, environment: [:], flags: [:])
        #expect(configuration.listen == [ListenAddress(host: "0.0.0.0", port: 9000)])
    }

    @Test func shareRelayConfigVariableNamesTheFileWhenNoneIsGiven() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fromVariable = directory.appendingPathComponent("from-variable.yaml").path
        let fromArgument = directory.appendingPathComponent("from-argument.yaml").path
        try "history:\n  maxEvents: 7\n".write(toFile: fromVariable, atomically: true, encoding: .utf8)
        try "history:\n  maxEvents: 8\n".write(toFile: fromArgument, atomically: true, encoding: .utf8)
        let environment = ["SHARE_RELAY_CONFIG": fromVariable]

        #expect(try RelayConfiguration.load(file: nil, environment: environment, flags: [:]).history.maxEvents == 7)
        #expect(try RelayConfiguration.load(file: fromArgument, environment: environment, flags: [:]).history.maxEvents == 8)
    }

    @Test func environmentVariablesNamedByTheIssuesReachTheirKeys() throws {
        let environment = [
            "SHARE_RELAY_STALL_TIMEOUT": "7",
            "SHARE_RELAY_HISTORY_MAX_EVENTS": "11",
            "SHARE_RELAY_HISTORY_MAX_BYTES": "1048577",
            "SHARE_RELAY_MAX_EVENT_BYTES": "1048577",
            "SHARE_RELAY_MAX_VIEWERS_PER_SHARE": "13",
            "SHARE_RELAY_PING_INTERVAL": "17",
            "SHARE_RELAY_OWNER_KEY": ownerKeyA,
            "SHARE_RELAY_DATA_DIR": "/var/lib/share-relay",
            "SHARE_RELAY_LISTEN": "0.0.0.0:80",
        ]
        let configuration = try load(environment: environment)
        #expect(configuration.timeouts.stall == .seconds(7))
        #expect(configuration.history.maxEvents == 11)
        #expect(configuration.history.maxBytes == 1_048_577)
        #expect(configuration.limits.maxEventBytes == 1_048_577)
        #expect(configuration.limits.maxViewersPerShare == 13)
        #expect(configuration.timeouts.pingInterval == .seconds(17))
        #expect(configuration.ownerKeys == [ownerKeyA])
        #expect(configuration.dataDirectory == "/var/lib/share-relay")
        #expect(configuration.listen == [ListenAddress(host: "0.0.0.0", port: 80)])
    }

    @Test func everyKeysVariableFollowsTheNamingRule() {
        let expected: [String: String] = [
            "listen": "SHARE_RELAY_LISTEN",
            "dataDirectory": "SHARE_RELAY_DATA_DIR",
            "webDirectory": "SHARE_RELAY_WEB_DIR",
            "ownerKeys": "SHARE_RELAY_OWNER_KEY",
            "trustedProxies": "SHARE_RELAY_TRUSTED_PROXIES",
            "tls.enabled": "SHARE_RELAY_TLS_ENABLED",
            "tls.certificateFile": "SHARE_RELAY_TLS_CERTIFICATE_FILE",
            "tls.privateKeyFile": "SHARE_RELAY_TLS_PRIVATE_KEY_FILE",
            "tls.minimumVersion": "SHARE_RELAY_TLS_MINIMUM_VERSION",
            "store.kind": "SHARE_RELAY_STORE_KIND",
            "store.postgresURL": "SHARE_RELAY_STORE_POSTGRES_URL",
            "shares.defaultExpiry": "SHARE_RELAY_SHARES_DEFAULT_EXPIRY",
            "shares.maxExpiry": "SHARE_RELAY_SHARES_MAX_EXPIRY",
            "shares.allowIndefinite": "SHARE_RELAY_SHARES_ALLOW_INDEFINITE",
            "history.maxEvents": "SHARE_RELAY_HISTORY_MAX_EVENTS",
            "history.maxBytes": "SHARE_RELAY_HISTORY_MAX_BYTES",
            "limits.maxEventBytes": "SHARE_RELAY_MAX_EVENT_BYTES",
            "limits.maxViewersPerShare": "SHARE_RELAY_MAX_VIEWERS_PER_SHARE",
            "limits.maxViewersPerSession": "SHARE_RELAY_MAX_VIEWERS_PER_SESSION",
            "limits.maxViewersTotal": "SHARE_RELAY_MAX_VIEWERS_TOTAL",
            "limits.handshakesPerAddressPerSecond": "SHARE_RELAY_HANDSHAKES_PER_ADDRESS_PER_SECOND",
            "limits.handshakeTimeout": "SHARE_RELAY_HANDSHAKE_TIMEOUT",
            "limits.maxRPCBodyBytes": "SHARE_RELAY_MAX_RPC_BODY_BYTES",
            "limits.authFailuresPerAddressPerMinute": "SHARE_RELAY_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE",
            "timeouts.stall": "SHARE_RELAY_STALL_TIMEOUT",
            "timeouts.pingInterval": "SHARE_RELAY_PING_INTERVAL",
            "timeouts.pong": "SHARE_RELAY_PONG_TIMEOUT",
            "timeouts.close": "SHARE_RELAY_CLOSE_TIMEOUT",
            "timeouts.shutdownGrace": "SHARE_RELAY_SHUTDOWN_GRACE",
            "logging.level": "SHARE_RELAY_LOGGING_LEVEL",
            "logging.format": "SHARE_RELAY_LOGGING_FORMAT",
            "metrics.enabled": "SHARE_RELAY_METRICS_ENABLED",
            "metrics.bearerKey": "SHARE_RELAY_METRICS_BEARER_KEY",
        ]
        let actual = Dictionary(uniqueKeysWithValues: RelayConfiguration.keys.map { ($0.name, $0.environmentVariable) })
        #expect(actual == expected)
        #expect(Set(actual.values).count == actual.count)
    }

    @Test func upperSnakeCaseKeepsAcronymsTogether() {
        #expect(EnvironmentNaming.upperSnake("maxRPCBodyBytes") == "MAX_RPC_BODY_BYTES")
        #expect(EnvironmentNaming.upperSnake("postgresURL") == "POSTGRES_URL")
        #expect(EnvironmentNaming.upperSnake("stall") == "STALL")
        #expect(EnvironmentNaming.upperSnake("maxViewersPerShare") == "MAX_VIEWERS_PER_SHARE")
    }

    @Test func ownerKeyVariableTakesOneKeyOrACommaSeparatedList() throws {
        #expect(try load(environment: ["SHARE_RELAY_OWNER_KEY": ownerKeyA]).ownerKeys == [ownerKeyA])
        #expect(try load(environment: ["SHARE_RELAY_OWNER_KEY": "\(ownerKeyA), \(ownerKeyB)"]).ownerKeys
            == [ownerKeyA, ownerKeyB])
    }

    @Test func listsInTheFileTakeASequenceOrACommaSeparatedString() throws {
        let sequence = try load("listen:\n  - \"127.0.0.1:1\"\n  - \"[::1]:2\"\n")
        let string = try load("listen: 127.0.0.1:1, [::1]:2\n")
        #expect(sequence.listen == [ListenAddress(host: "127.0.0.1", port: 1), ListenAddress(host: "::1", port: 2)])
        #expect(string == sequence)
    }

    @Test func anEmptyEnvironmentValueCountsAsUnset() throws {
        let configuration = try load(
            "history:\n  maxEvents: 42\n", environment: ["SHARE_RELAY_HISTORY_MAX_EVENTS": "", "SHARE_RELAY_OWNER_KEY": ""])
        #expect(configuration.history.maxEvents == 42)
        #expect(configuration.ownerKeys.isEmpty)
    }

    @Test func aMistypedShareRelayVariableIsRefusedWithTheNameItResembles() {
        #expect(loadMessage(environment: ["SHARE_RELAY_STALL_TIMOUT": "5"])
            == "unknown environment variable SHARE_RELAY_STALL_TIMOUT; did you mean SHARE_RELAY_STALL_TIMEOUT?")
        #expect(loadError(environment: ["SHARE_RELAY_STALL_TIMOUT": "5"])
            == .unknownKey(key: "SHARE_RELAY_STALL_TIMOUT", origin: .environment(variable: "SHARE_RELAY_STALL_TIMOUT"),
                           suggestion: "SHARE_RELAY_STALL_TIMEOUT"))
    }

    @Test func otherToolsShareRelayVariablesAndOtherVariablesAreIgnored() throws {
        let environment = [
            "SHARE_RELAY_TEST_PYTHON": "/venv/bin/python", "SHARE_RELAY_REQUIRE_INTEROP": "1",
            "SHARE_RELAY_URL": "http://127.0.0.1:8080", "PATH": "/usr/bin", "HOME": "/root",
        ]
        #expect(try load(environment: environment) == .defaults)
    }

    @Test func flagsAreKeyedByDottedNameAndUnknownOnesAreRefused() throws {
        #expect(try load(flags: ["limits.maxViewersPerShare": "5"]).limits.maxViewersPerShare == 5)
        #expect(loadMessage(flags: ["limits.maxViewerPerShare": "5"])
            == "unknown flag key 'limits.maxViewerPerShare'; did you mean 'limits.maxViewersPerShare'?")
    }

    @Test func setAssignmentsBecomeTheFlagsDictionary() throws {
        let flags = try RelayConfiguration.flags(fromAssignments: [
            "limits.maxEventBytes=2MiB", "listen=0.0.0.0:1,0.0.0.0:2", "logging.level=info", "logging.level=debug",
            "metrics.bearerKey=a=b=c",
        ])
        #expect(flags == [
            "limits.maxEventBytes": "2MiB", "listen": "0.0.0.0:1,0.0.0.0:2", "logging.level": "debug",
            "metrics.bearerKey": "a=b=c",
        ])
        #expect(throws: ConfigurationError.malformedAssignment("limits.maxEventBytes")) {
            try RelayConfiguration.flags(fromAssignments: ["limits.maxEventBytes"])
        }
        #expect(throws: ConfigurationError.malformedAssignment("=5")) {
            try RelayConfiguration.flags(fromAssignments: ["=5"])
        }
        #expect(ConfigurationError.malformedAssignment("x").description
            == "invalid setting 'x'; expected KEY=VALUE with a dotted key such as limits.maxEventBytes=2MiB")
    }
}
