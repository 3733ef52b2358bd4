import Foundation

/// `true` or `false`, in any letter case. YAML 1.1's `yes`/`no`/`on`/`off` are refused on purpose:
/// a setting should not change meaning with the YAML version of whoever reads the file.
struct BooleanFormat: ValueFormat {
    var allowed: String { "true or false" }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Bool {
        switch try scalarText(raw).lowercased() {
        case "true": return true
        case "false": return false
        default: throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
    }

    func accepts(_ value: Bool) -> Bool { true }
    func render(_ value: Bool, maskingSecrets: Bool) -> RenderedValue { .scalar(value ? "true" : "false") }
}

/// A decimal integer within a range; `note` completes the allowed text (for example what 0 means).
struct IntegerFormat: ValueFormat {
    var range: ClosedRange<Int>
    var note: String? = nil

    var allowed: String {
        "an integer from \(range.lowerBound) to \(range.upperBound)" + (note.map { " (\($0))" } ?? "")
    }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Int {
        guard let value = Int(try scalarText(raw).trimmingCharacters(in: .whitespaces)) else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return value
    }

    func accepts(_ value: Int) -> Bool { range.contains(value) }
    func render(_ value: Int, maskingSecrets: Bool) -> RenderedValue { .scalar(String(value)) }
}

/// One of an enumeration's raw values, matched without regard to letter case.
struct ChoiceFormat<Choice>: ValueFormat
where Choice: RawRepresentable<String> & CaseIterable & Equatable & Sendable {
    var allowed: String { "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", ") }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Choice {
        let text = try scalarText(raw).trimmingCharacters(in: .whitespaces).lowercased()
        guard let choice = Choice.allCases.first(where: { $0.rawValue.lowercased() == text }) else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return choice
    }

    func accepts(_ value: Choice) -> Bool { true }
    func render(_ value: Choice, maskingSecrets: Bool) -> RenderedValue {
        .scalar(YAMLText.plainOrQuoted(value.rawValue))
    }
}

/// A file-system path, taken as written. Relative paths are resolved by the server against its
/// working directory, the same for file, environment and flags.
struct PathFormat: ValueFormat {
    var allowed: String { "a non-empty path" }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> String { try scalarText(raw) }
    func accepts(_ value: String) -> Bool { !value.isEmpty && !value.contains("\u{0}") }
    func render(_ value: String, maskingSecrets: Bool) -> RenderedValue { .scalar(YAMLText.quoted(value)) }
}

/// A bearer secret (owner key, metrics key): long enough not to be guessed, and made only of
/// characters that survive an HTTP header and a comma-separated environment variable unchanged.
struct SecretFormat: ValueFormat {
    static let lengths = 16...256

    var allowed: String {
        "a key of \(Self.lengths.lowerBound) to \(Self.lengths.upperBound) printable ASCII characters without spaces or commas"
    }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> String { try scalarText(raw) }

    func accepts(_ value: String) -> Bool {
        Self.lengths.contains(value.utf8.count)
            && value.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }
    }

    func render(_ value: String, maskingSecrets: Bool) -> RenderedValue {
        .scalar(YAMLText.quoted(maskingSecrets ? SecretMask.mask(value) : value))
    }

    func masked(_ text: String) -> String { SecretMask.mask(text) }
}

/// A PostgreSQL connection URL. Only its shape is checked here; connecting is the store's business.
struct PostgresURLFormat: ValueFormat {
    var allowed: String { "a URL postgres://USER:PASSWORD@HOST[:PORT]/DATABASE (or postgresql://)" }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> String {
        try scalarText(raw).trimmingCharacters(in: .whitespaces)
    }

    func accepts(_ value: String) -> Bool {
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { return false }
        if let port = components.port, !(1...65535).contains(port) { return false }
        return true
    }

    func render(_ value: String, maskingSecrets: Bool) -> RenderedValue {
        .scalar(YAMLText.quoted(maskingSecrets ? SecretMask.maskPassword(inURL: value) : value))
    }

    func masked(_ text: String) -> String { SecretMask.maskPassword(inURL: text) }
}
