/// One setting: its canonical dotted name, its environment variable, what it means and what is
/// allowed, bound to its property of `RelayConfiguration`. `RelayConfiguration.keys` lists them
/// all; the loader, the renderer, validation and the docs table are all driven by that one list.
public struct ConfigurationKey: Sendable {
    /// Canonical dotted name (`limits.maxViewersPerShare`): the YAML path and the flag key.
    public let name: String
    /// `SHARE_RELAY_…` variable (see `EnvironmentNaming` for the rule).
    public let environmentVariable: String
    /// One sentence for the docs table.
    public let summary: String
    /// Masked by `render(maskingSecrets: true)` and in error messages.
    public let isSecret: Bool
    let binding: any SettingBinding

    init(_ name: String, _ binding: any SettingBinding, secret: Bool = false, summary: String) {
        self.name = name
        self.environmentVariable = EnvironmentNaming.variable(for: name)
        self.summary = summary
        self.isSecret = secret
        self.binding = binding
    }

    /// What is allowed, completing "expected …".
    public var allowed: String { binding.allowed }

    /// The built-in default as YAML (`3600`, `"./data"`, `["127.0.0.1:8080"]`, `null`).
    public var defaultValue: String { binding.render(RelayConfiguration(), maskingSecrets: false).inline }

    /// The group (`limits`) and leaf (`maxEventBytes`) of the dotted name; no group at the top level.
    var path: (group: String?, leaf: String) {
        guard let dot = name.firstIndex(of: ".") else { return (nil, name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }
}

/// A format bound to one property: the type-erased face of `PropertyBinding`.
protocol SettingBinding: Sendable {
    var allowed: String { get }
    func assign(_ raw: WrittenValue, to configuration: inout RelayConfiguration) throws(InvalidValue)
    func accepts(_ configuration: RelayConfiguration) -> Bool
    func render(_ configuration: RelayConfiguration, maskingSecrets: Bool) -> RenderedValue
    func masked(_ text: String) -> String
}

struct PropertyBinding<Format: ValueFormat>: SettingBinding {
    let format: Format
    let keyPath: WritableKeyPath<RelayConfiguration, Format.Value> & Sendable

    var allowed: String { format.allowed }

    func assign(_ raw: WrittenValue, to configuration: inout RelayConfiguration) throws(InvalidValue) {
        configuration[keyPath: keyPath] = try format.readAccepted(raw)
    }

    func accepts(_ configuration: RelayConfiguration) -> Bool { format.accepts(configuration[keyPath: keyPath]) }

    func render(_ configuration: RelayConfiguration, maskingSecrets: Bool) -> RenderedValue {
        format.render(configuration[keyPath: keyPath], maskingSecrets: maskingSecrets)
    }

    func masked(_ text: String) -> String { format.masked(text) }
}
