import Testing
@testable import RelayConfiguration

/// A configuration in which every key differs from its default.
let everythingChanged = RelayConfiguration(
    listen: [ListenAddress(host: "0.0.0.0", port: 443), ListenAddress(host: "::1", port: 0)],
    dataDirectory: "/var/lib/share relay/\"data\"",
    webDirectory: "/usr/share/share-relay/web\\custom: #1",
    ownerKeys: [ownerKeyA, ownerKeyB],
    trustedProxies: [IPAddressRange(parsing: "10.0.0.0/8")!, IPAddressRange(parsing: "::1")!],
    tls: TLSSettings(enabled: true, certificateFile: "/etc/relay/cert.pem", privateKeyFile: "/etc/relay/key.pem",
                     minimumVersion: .v1_3),
    store: StoreSettings(kind: .postgres, postgresURL: "postgres://relay:p%40ss@db.internal:5432/share"),
    shares: ShareSettings(defaultExpiry: .seconds(600), maxExpiry: .seconds(7 * 86400), allowIndefinite: true),
    history: HistorySettings(maxEvents: 500, maxBytes: 8 << 20),
    limits: LimitSettings(
        maxEventBytes: 64 << 10, maxViewersPerShare: 50, maxViewersPerSession: 60, maxViewersTotal: 70,
        handshakesPerAddressPerSecond: 0, handshakeTimeout: .milliseconds(2500), maxRPCBodyBytes: 4096,
        authFailuresPerAddressPerMinute: 3),
    timeouts: TimeoutSettings(
        stall: .milliseconds(1500), pingInterval: .seconds(5), pong: .milliseconds(250), close: .seconds(1),
        shutdownGrace: .zero),
    logging: LoggingSettings(level: .debug, format: .json),
    metrics: MetricsSettings(enabled: false, bearerKey: metricsKey))

@Suite struct RenderingTests {
    @Test func renderedDefaultsLoadBackAsTheDefaults() throws {
        #expect(try load(RelayConfiguration.defaults.render(maskingSecrets: false)) == .defaults)
    }

    @Test func renderedConfigurationWithEveryKeyChangedLoadsBackEqual() throws {
        try everythingChanged.validate()
        for key in RelayConfiguration.keys {
            #expect(key.binding.render(everythingChanged, maskingSecrets: false)
                != key.binding.render(.defaults, maskingSecrets: false), "\(key.name) is not changed")
        }
        let text = everythingChanged.render(maskingSecrets: false)
        #expect(try load(text) == everythingChanged)
    }

    @Test func renderedDefaultsReadLikeTheExample() {
        let text = RelayConfiguration.defaults.render(maskingSecrets: false)
        #expect(text.hasPrefix("listen:\n  - \"127.0.0.1:8080\"\ndataDirectory: \"./data\"\nwebDirectory: \"web\"\nownerKeys: []\ntrustedProxies: []\ntls:\n  enabled: false\n"))
        #expect(text.contains("\nshares:\n  defaultExpiry: 3600\n  maxExpiry: 2592000\n  allowIndefinite: false\n"))
        #expect(text.contains("\ntimeouts:\n  stall: 60\n  pingInterval: 30\n  pong: 10\n  close: 3\n  shutdownGrace: 5\n"))
        #expect(text.hasSuffix("metrics:\n  enabled: true\n  bearerKey: null\n"))
    }

    @Test func subSecondDurationsRenderAsMilliseconds() {
        let text = everythingChanged.render(maskingSecrets: false)
        #expect(text.contains("  stall: 1500ms\n"))
        #expect(text.contains("  handshakeTimeout: 2500ms\n"))
        #expect(text.contains("  shutdownGrace: 0\n"))
    }

    @Test func maskedRenderShowsOnlyPrefixesOfSecrets() {
        let text = everythingChanged.render(maskingSecrets: true)
        #expect(text.contains("ownerKeys:\n  - \"clw_owner_ab…\"\n  - \"clw_owner_ZY…\"\n"))
        #expect(text.contains("  bearerKey: \"me…\"\n"))
        #expect(text.contains("  postgresURL: \"postgres://relay:…@db.internal:5432/share\"\n"))
        for secret in [ownerKeyA, ownerKeyB, metricsKey, "p%40ss"] {
            #expect(!text.contains(secret))
        }
        #expect(text.contains("  certificateFile: \"/etc/relay/cert.pem\"\n"))
    }

    @Test func maskedOutputIsRefusedWhenLoaded() {
        let text = everythingChanged.render(maskingSecrets: true)
        #expect(loadMessage(text) == "relay.yaml:8: invalid value 'clw_ow…' for ownerKeys; expected a list of up to 64 keys, "
            + "each 16 to 256 printable ASCII characters without spaces or commas")
    }

    @Test func secretMaskKeepsOurPrefixAndTwoCharacters() {
        #expect(SecretMask.mask(ownerKeyA) == "clw_owner_ab…")
        #expect(SecretMask.mask("clw_share_Xy0123456789012345678901234567") == "clw_share_Xy…")
        #expect(SecretMask.mask(metricsKey) == "me…")
        #expect(SecretMask.mask("") == "…")
        #expect(SecretMask.maskPassword(inURL: "postgres://relay:secret@db/share") == "postgres://relay:…@db/share")
        #expect(SecretMask.maskPassword(inURL: "postgres://relay@db/share") == "postgres://relay@db/share")
    }

    @Test func groupsAreContiguousInTheKeyTable() {
        var seen: [String] = []
        for group in RelayConfiguration.keys.compactMap(\.path.group) where seen.last != group {
            #expect(!seen.contains(group), "\(group) appears in two places")
            seen.append(group)
        }
        let topLevel = RelayConfiguration.keys.prefix { $0.path.group == nil }.count
        #expect(RelayConfiguration.keys.dropFirst(topLevel).allSatisfy { $0.path.group != nil })
    }
}
