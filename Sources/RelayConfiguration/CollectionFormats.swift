import Foundation

/// A setting that may be unset: YAML `null` (or `~`, or nothing) and an empty string mean "not set".
/// Rendered as `null` when unset.
struct OptionalFormat<Wrapped: ValueFormat>: ValueFormat {
    var wrapped: Wrapped

    var allowed: String { "null, or " + wrapped.allowed }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Wrapped.Value? {
        switch raw.content {
        case .null: return nil
        case .scalar(let text) where text.isEmpty: return nil
        default: return try wrapped.readAccepted(raw)
        }
    }

    func accepts(_ value: Wrapped.Value?) -> Bool { value.map(wrapped.accepts) ?? true }

    func render(_ value: Wrapped.Value?, maskingSecrets: Bool) -> RenderedValue {
        value.map { wrapped.render($0, maskingSecrets: maskingSecrets) } ?? .scalar("null")
    }

    func masked(_ text: String) -> String { wrapped.masked(text) }
}

/// A list: a YAML sequence, or one string of comma-separated items (what environment variables and
/// flags can carry; surrounding spaces and empty items are dropped). YAML `null` is the empty list.
/// Each element is checked by the element format and named (with its own line) when it is wrong.
struct ListFormat<Element: ValueFormat>: ValueFormat {
    var element: Element
    var count: ClosedRange<Int>
    /// The allowed text; lists read better described whole ("1 to 16 addresses HOST:PORT").
    var allowed: String
    var requiresDistinct = false

    func read(_ raw: WrittenValue) throws(InvalidValue) -> [Element.Value] {
        let items: [WrittenValue]
        switch raw.content {
        case .null:
            items = []
        case .sequence(let elements):
            items = elements
        case .scalar(let text):
            items = text.split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
                .map { WrittenValue(content: .scalar($0), origin: raw.origin) }
        case .mapping:
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        var values: [Element.Value] = []
        for item in items {
            values.append(try element.readAccepted(item))
        }
        return values
    }

    func accepts(_ value: [Element.Value]) -> Bool {
        guard count.contains(value.count), value.allSatisfy(element.accepts) else { return false }
        guard requiresDistinct else { return true }
        for (index, item) in value.enumerated() where value[..<index].contains(item) { return false }
        return true
    }

    func render(_ value: [Element.Value], maskingSecrets: Bool) -> RenderedValue {
        .list(value.map { element.render($0, maskingSecrets: maskingSecrets).inline })
    }

    func masked(_ text: String) -> String { element.masked(text) }
}
