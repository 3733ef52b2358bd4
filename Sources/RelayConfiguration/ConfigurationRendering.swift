extension RelayConfiguration {
    /// The configuration as YAML, every key in table order (what `share-relay config print` shows).
    /// Unmasked, `load(yaml:)` of the output gives back an equal value. Masked, secrets show only a
    /// prefix (`clw_owner_ab…`), and the output is refused if loaded, on purpose.
    public func render(maskingSecrets: Bool) -> String {
        var out = maskingSecrets ? "# Secrets are masked: this output cannot be loaded as it is.\n" : ""
        var currentGroup: String?
        for key in Self.keys {
            let (group, leaf) = key.path
            if group != currentGroup, let group {
                out += "\(group):\n"
            }
            currentGroup = group
            let indent = group == nil ? "" : "  "
            switch key.binding.render(self, maskingSecrets: maskingSecrets) {
            case .scalar(let text):
                out += "\(indent)\(leaf): \(text)\n"
            case .list(let items) where items.isEmpty:
                out += "\(indent)\(leaf): []\n"
            case .list(let items):
                out += "\(indent)\(leaf):\n" + items.map { "\(indent)  - \($0)\n" }.joined()
            }
        }
        return out
    }

    /// The reference table of every key, as kept in `docs/configuration.md` between its
    /// `<!-- keys:begin -->` and `<!-- keys:end -->` markers (a test keeps the two identical).
    static func keyReferenceMarkdown() -> String {
        var out = "| Key | Environment variable | Default | Allowed | Meaning |\n"
        out += "| --- | --- | --- | --- | --- |\n"
        for key in keys {
            out += "| `\(key.name)` | `\(key.environmentVariable)` | `\(key.defaultValue)` | \(key.allowed) | \(key.summary)"
                + (key.isSecret ? " Secret: masked when printed." : "") + " |\n"
        }
        return out
    }
}
