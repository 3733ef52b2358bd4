import Testing
@testable import RelayConfiguration

@Suite struct CrossFieldRuleTests {
    @Test func defaultExpiryLongerThanMaxExpiryIsRefusedNamingBothOrigins() {
        let yaml = "shares:\n  defaultExpiry: 7200\n"
        #expect(loadMessage(yaml, environment: ["SHARE_RELAY_SHARES_MAX_EXPIRY": "1h"])
            == "shares.defaultExpiry = 7200 (relay.yaml:2) exceeds shares.maxExpiry = 3600 "
                + "(environment variable SHARE_RELAY_SHARES_MAX_EXPIRY); the default expiry must not be longer than the maximum")
        #expect(loadError(yaml, environment: ["SHARE_RELAY_SHARES_MAX_EXPIRY": "1h"])
            == .conflict(keys: ["shares.defaultExpiry", "shares.maxExpiry"], message: loadMessage(
                yaml, environment: ["SHARE_RELAY_SHARES_MAX_EXPIRY": "1h"]) ?? ""))
    }

    @Test func maxExpiryEqualToDefaultExpiryIsAllowed() throws {
        #expect(try load(flags: ["shares.maxExpiry": "3600"]).shares.maxExpiry == .seconds(3600))
    }

    @Test func tlsEnabledRequiresCertificateAndKeyFiles() {
        #expect(loadMessage("tls:\n  enabled: true\n")
            == "tls.enabled = true (relay.yaml:2) requires tls.certificateFile, which is not set")
        #expect(loadMessage("tls:\n  enabled: true\n  certificateFile: /etc/relay/cert.pem\n")
            == "tls.enabled = true (relay.yaml:2) requires tls.privateKeyFile, which is not set")
    }

    @Test func tlsFilesWithoutTLSEnabledAreAllowed() throws {
        let configuration = try load(flags: ["tls.certificateFile": "cert.pem"])
        #expect(configuration.tls.certificateFile == "cert.pem")
        #expect(!configuration.tls.enabled)
    }

    @Test func postgresStoreRequiresAURL() {
        #expect(loadMessage(flags: ["store.kind": "postgres"])
            == "store.kind = postgres (flag store.kind) requires store.postgresURL, which is not set")
    }

    @Test func historyMustHoldOneEventOfTheLargestSize() {
        #expect(loadMessage("history:\n  maxBytes: 512KiB\n")
            == "limits.maxEventBytes = 1048576 (default) exceeds history.maxBytes = 524288 (relay.yaml:2); "
                + "the history must hold at least one event of the largest size")
    }

    @Test func metricsKeyMustDifferFromEveryOwnerKey() {
        let message = loadMessage(
            environment: ["SHARE_RELAY_OWNER_KEY": "\(ownerKeyA),\(ownerKeyB)", "SHARE_RELAY_METRICS_BEARER_KEY": ownerKeyB])
        #expect(message
            == "metrics.bearerKey = \"clw_owner_ZY…\" (environment variable SHARE_RELAY_METRICS_BEARER_KEY) is also one of "
                + "ownerKeys (environment variable SHARE_RELAY_OWNER_KEY); use a separate key so that metrics scrapers cannot manage shares")
        #expect(message?.contains(ownerKeyB) == false)
    }

    @Test func validateAppliesTheSameRulesWithoutOrigins() {
        let configuration = RelayConfiguration(tls: TLSSettings(enabled: true))
        #expect(throws: ConfigurationError.conflict(
            keys: ["tls.enabled", "tls.certificateFile"],
            message: "tls.enabled = true requires tls.certificateFile, which is not set")) {
            try configuration.validate()
        }
    }
}
