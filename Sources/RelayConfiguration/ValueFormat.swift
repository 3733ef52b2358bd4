/// A value as an operator wrote it, before it is understood: the text of an environment variable or
/// flag, or a YAML node reduced to its shape. Carries its origin so errors can point at it.
struct WrittenValue {
    enum Content {
        case scalar(String)
        case null
        case sequence([WrittenValue])
        case mapping
    }

    var content: Content
    var origin: ConfigurationOrigin

    /// How the value is shown in an error: its text, or its shape when it has no single text.
    var shown: ShownValue {
        switch content {
        case .scalar(let text): .literal(text)
        case .null: .shape("null")
        case .sequence(let elements): .list(elements.map(\.shown))
        case .mapping: .shape("a mapping")
        }
    }
}

/// The offending part of a value in an error message. Literals are quoted (and masked for secrets),
/// lists are shown in flow style, other shapes are described in parentheses.
indirect enum ShownValue: Equatable {
    case literal(String)
    case list([ShownValue])
    case shape(String)

    func text(masking mask: (String) -> String) -> String {
        switch self {
        case .literal(let text): "'\(mask(text))'"
        case .list(let items): "[" + items.map { $0.text(masking: mask) }.joined(separator: ", ") + "]"
        case .shape(let shape): "(\(shape))"
        }
    }
}

/// Thrown by a format when a value (or one element of a list) is not allowed.
struct InvalidValue: Error {
    var shown: ShownValue
    var origin: ConfigurationOrigin
}

/// A value written back as YAML: a scalar already quoted as needed, or a block list of such scalars.
enum RenderedValue: Equatable {
    case scalar(String)
    case list([String])

    /// One-line form for tables and messages (`[]`, `["127.0.0.1:8080"]`, `3600`).
    var inline: String {
        switch self {
        case .scalar(let text): text
        case .list(let items): "[" + items.joined(separator: ", ") + "]"
        }
    }
}

/// How one kind of setting is written, checked and rendered. Reading understands the text and
/// enforces every rule of the format (range, length, shape); `accepts` re-checks a value built in
/// code, so `RelayConfiguration.validate()` and the loader apply the same rules.
protocol ValueFormat: Sendable {
    associatedtype Value: Equatable & Sendable

    /// What is allowed, completing the sentence "expected …".
    var allowed: String { get }
    func read(_ raw: WrittenValue) throws(InvalidValue) -> Value
    func accepts(_ value: Value) -> Bool
    func render(_ value: Value, maskingSecrets: Bool) -> RenderedValue
    /// How text written for this format is shown in an error message (secrets are masked).
    func masked(_ text: String) -> String
}

extension ValueFormat {
    func masked(_ text: String) -> String { text }

    /// The scalar text of a raw value, or an error naming its shape.
    func scalarText(_ raw: WrittenValue) throws(InvalidValue) -> String {
        guard case .scalar(let text) = raw.content else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return text
    }

    /// Reads and range-checks in one step: what the loader uses.
    func readAccepted(_ raw: WrittenValue) throws(InvalidValue) -> Value {
        let value = try read(raw)
        guard accepts(value) else { throw InvalidValue(shown: raw.shown, origin: raw.origin) }
        return value
    }
}

/// A value written as one scalar that its own type parses: listen addresses, IP ranges.
protocol ScalarParsable: Equatable, Sendable, CustomStringConvertible {
    /// The value for trimmed text, nil when the text is not one.
    init?(configurationText text: String)
    /// Whether a value built in code is one that parsing could produce (parsed ones always are).
    var isValidConfigurationValue: Bool { get }
}

/// Reads a `ScalarParsable` from trimmed scalar text, or rejects it naming `allowed`; writes it
/// back quoted in its own notation (`description`).
struct ParsedScalarFormat<Value: ScalarParsable>: ValueFormat {
    let allowed: String

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Value {
        guard let value = Value(configurationText: try scalarText(raw).trimmingCharacters(in: .whitespaces)) else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return value
    }

    func accepts(_ value: Value) -> Bool { value.isValidConfigurationValue }
    func render(_ value: Value, maskingSecrets: Bool) -> RenderedValue {
        .scalar(YAMLText.quoted(value.description))
    }
}
