/// Rules between settings, each valid on its own. Checked on the final value, after every layer, so
/// the message names where each involved value came from.
enum ConfigurationRules {
    static func check(
        _ configuration: RelayConfiguration, origin: (String) -> ConfigurationOrigin?
    ) throws(ConfigurationError) {
        func stated(_ name: String) -> String {
            guard let key = RelayConfiguration.key(named: name) else { return name }
            let value = key.binding.render(configuration, maskingSecrets: key.isSecret).inline
            return "\(name) = \(value)" + (origin(name).map { " (\($0))" } ?? "")
        }

        if configuration.shares.defaultExpiry > configuration.shares.maxExpiry {
            throw .conflict(
                keys: ["shares.defaultExpiry", "shares.maxExpiry"],
                message: "\(stated("shares.defaultExpiry")) exceeds \(stated("shares.maxExpiry")); "
                    + "the default expiry must not be longer than the maximum")
        }
        if configuration.tls.enabled {
            for (name, value) in [("tls.certificateFile", configuration.tls.certificateFile),
                                  ("tls.privateKeyFile", configuration.tls.privateKeyFile)] where value == nil {
                throw .conflict(
                    keys: ["tls.enabled", name],
                    message: "\(stated("tls.enabled")) requires \(name), which is not set")
            }
        }
        if configuration.store.kind == .postgres, configuration.store.postgresURL == nil {
            throw .conflict(
                keys: ["store.kind", "store.postgresURL"],
                message: "\(stated("store.kind")) requires store.postgresURL, which is not set")
        }
        if configuration.limits.maxEventBytes > configuration.history.maxBytes {
            throw .conflict(
                keys: ["limits.maxEventBytes", "history.maxBytes"],
                message: "\(stated("limits.maxEventBytes")) exceeds \(stated("history.maxBytes")); "
                    + "the history must hold at least one event of the largest size")
        }
        if let metricsKey = configuration.metrics.bearerKey, configuration.ownerKeys.contains(metricsKey) {
            throw .conflict(
                keys: ["metrics.bearerKey", "ownerKeys"],
                message: "\(stated("metrics.bearerKey")) is also one of ownerKeys"
                    + (origin("ownerKeys").map { " (\($0))" } ?? "")
                    + "; use a separate key so that metrics scrapers cannot manage shares")
        }
    }
}
