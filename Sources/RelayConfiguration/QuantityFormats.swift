/// A duration: plain seconds (`30`, `0.5`) or a number with a unit (`500ms`, `30s`, `5m`, `2h`,
/// `30d`), exact to the millisecond. Rendered back as plain seconds, or milliseconds (`250ms`) when
/// not a whole second, so printed configurations read like the environment variables.
struct DurationFormat: ValueFormat {
    var range: ClosedRange<Duration>
    /// Share expiries travel as integer seconds in the RPC, so they must be whole seconds.
    var wholeSeconds = false

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    var allowed: String {
        "a duration from \(Self.describe(range.lowerBound)) to \(Self.describe(range.upperBound))"
            + (wholeSeconds
                ? " in whole seconds (seconds, or a number with a unit: s, m, h, d)"
                : " (seconds, or a number with a unit: ms, s, m, h, d)")
    }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Duration {
        guard let milliseconds = Self.milliseconds(parsing: try scalarText(raw)) else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return .milliseconds(milliseconds)
    }

    func accepts(_ value: Duration) -> Bool {
        guard range.contains(value), let milliseconds = Self.exactMilliseconds(value) else { return false }
        return !wholeSeconds || milliseconds % 1_000 == 0
    }

    func render(_ value: Duration, maskingSecrets: Bool) -> RenderedValue {
        guard let milliseconds = Self.exactMilliseconds(value) else {
            return .scalar(YAMLText.quoted(String(describing: value)))
        }
        return .scalar(milliseconds % 1_000 == 0 ? String(milliseconds / 1_000) : "\(milliseconds)ms")
    }

    /// `number [unit]`: at most 10 digits in all (no overflow), and exact to the millisecond.
    static func milliseconds(parsing text: String) -> Int64? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        let integerDigits = rest.prefix(while: \.isASCIIDigit)
        rest = rest.dropFirst(integerDigits.count)
        var fractionDigits = Substring()
        if rest.first == "." {
            rest = rest.dropFirst()
            fractionDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(fractionDigits.count)
            guard !fractionDigits.isEmpty else { return nil }
        }
        guard !integerDigits.isEmpty, integerDigits.count + fractionDigits.count <= 10,
              let mantissa = Int64(integerDigits + fractionDigits)
        else { return nil }
        let suffix = rest.trimmingCharacters(in: .whitespaces).lowercased()
        let unit: Int64
        if suffix.isEmpty {
            unit = 1_000
        } else if let match = units.first(where: { $0.suffix == suffix }) {
            unit = match.milliseconds
        } else {
            return nil
        }
        var scale: Int64 = 1
        for _ in 0..<fractionDigits.count { scale *= 10 }
        let scaled = mantissa * unit
        guard scaled % scale == 0 else { return nil }
        return scaled / scale
    }

    static func exactMilliseconds(_ duration: Duration) -> Int64? {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        guard attoseconds % attosecondsPerMillisecond == 0 else { return nil }
        return seconds * 1_000 + attoseconds / attosecondsPerMillisecond
    }

    /// The largest unit that states the duration exactly: `100ms`, `10s`, `5m`, `1h`, `30d`.
    static func describe(_ duration: Duration) -> String {
        guard let milliseconds = exactMilliseconds(duration) else { return String(describing: duration) }
        if milliseconds == 0 { return "0s" }
        for unit in units.reversed() where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }
}

/// A size in bytes: a plain integer, or a whole number with a binary unit (`64KiB`, `1MiB`, `2GiB`).
/// Decimal units (`MB`) are refused rather than guessed at. Rendered back as a plain integer.
struct ByteSizeFormat: ValueFormat {
    var range: ClosedRange<Int>

    private static let units: [(suffix: String, bytes: Int)] = [
        ("b", 1), ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
    ]
    private static let unitNames = ["B", "KiB", "MiB", "GiB", "TiB"]

    var allowed: String {
        "a byte size from \(Self.describe(range.lowerBound)) to \(Self.describe(range.upperBound))"
            + " (bytes, or a whole number with a unit: KiB, MiB, GiB)"
    }

    func read(_ raw: WrittenValue) throws(InvalidValue) -> Int {
        guard let bytes = Self.bytes(parsing: try scalarText(raw)) else {
            throw InvalidValue(shown: raw.shown, origin: raw.origin)
        }
        return bytes
    }

    func accepts(_ value: Int) -> Bool { range.contains(value) }
    func render(_ value: Int, maskingSecrets: Bool) -> RenderedValue { .scalar(String(value)) }

    static func bytes(parsing text: String) -> Int? {
        let trimmed = Substring(text.trimmingCharacters(in: .whitespaces))
        let digits = trimmed.prefix(while: \.isASCIIDigit)
        guard !digits.isEmpty, digits.count <= 15, let number = Int(digits) else { return nil }
        let suffix = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        if suffix.isEmpty { return number }
        guard let unit = units.first(where: { $0.suffix == suffix }) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: unit.bytes)
        return overflow ? nil : product
    }

    /// The largest binary unit that states the size exactly: `16B`, `1KiB`, `64MiB`.
    static func describe(_ bytes: Int) -> String {
        for (index, unit) in units.enumerated().reversed()
        where bytes != 0 && bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes)\(unitNames[index])"
        }
        return "\(bytes)B"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
