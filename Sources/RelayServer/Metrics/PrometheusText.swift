/// A writer for the Prometheus text exposition format, version 0.0.4.
///
/// Each family is written in one call, so its `# HELP` and `# TYPE` lines come once and all its
/// samples follow them contiguously (the format requires both). Label values are escaped
/// (`\` → `\\`, `"` → `\"`, newline → `\n`), help texts likewise (backslash and newline).
/// Histograms get cumulative `_bucket` lines ending with `le="+Inf"`, then `_sum` and `_count`.
struct PrometheusText {
    enum MetricType: String {
        case counter, gauge, histogram
    }

    typealias Labels = [(name: String, value: String)]

    struct Sample {
        var labels: Labels
        var value: Double

        init(_ labels: Labels = [], _ value: Double) {
            self.labels = labels
            self.value = value
        }

        init(_ labels: Labels = [], _ value: Int) {
            self.init(labels, Double(value))
        }
    }

    /// The exposition so far.
    private(set) var text = ""
    private var familyNames: Set<String> = []

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    init() {
        text.reserveCapacity(16 * 1024)
    }

    mutating func counter(_ name: String, help: String, _ samples: [Sample]) {
        family(name, .counter, help: help, samples)
    }

    mutating func counter(_ name: String, help: String, value: Int) {
        family(name, .counter, help: help, [Sample([], value)])
    }

    mutating func gauge(_ name: String, help: String, _ samples: [Sample]) {
        family(name, .gauge, help: help, samples)
    }

    mutating func gauge(_ name: String, help: String, value: Double) {
        family(name, .gauge, help: help, [Sample([], value)])
    }

    /// A histogram family: one series per label set.
    mutating func histogram(_ name: String, help: String, _ series: [(labels: Labels, histogram: LatencyHistogram)]) {
        guard header(name, .histogram, help: help) else { return }
        for (labels, histogram) in series {
            var cumulative = 0
            for (index, bound) in histogram.upperBoundsInSeconds.enumerated() {
                cumulative += histogram.bucketCounts[index]
                line(name + "_bucket", labels + [("le", Self.format(bound))], Double(cumulative))
            }
            line(name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
            line(name + "_sum", labels, histogram.sumInSeconds)
            line(name + "_count", labels, Double(histogram.count))
        }
    }

    private mutating func family(_ name: String, _ type: MetricType, help: String, _ samples: [Sample]) {
        guard header(name, type, help: help) else { return }
        for sample in samples { line(name, sample.labels, sample.value) }
    }

    /// Writes HELP and TYPE; false (and nothing written) for a family already written, which
    /// would make the exposition invalid.
    private mutating func header(_ name: String, _ type: MetricType, help: String) -> Bool {
        assert(Self.isValidName(name), "invalid metric name \(name)")
        guard familyNames.insert(name).inserted else {
            assertionFailure("metric family \(name) written twice")
            return false
        }
        text += "# HELP \(name) \(Self.escapeHelp(help))\n"
        text += "# TYPE \(name) \(type.rawValue)\n"
        return true
    }

    private mutating func line(_ name: String, _ labels: Labels, _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                assert(Self.isValidName(label.name) && !label.name.contains(":"), "invalid label name \(label.name)")
                if index > 0 { text += "," }
                text += label.name
                text += "=\""
                text += Self.escapeLabelValue(label.value)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += Self.format(value)
        text += "\n"
    }

    /// `\` → `\\`, `"` → `\"`, line feed → `\n`.
    static func escapeLabelValue(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 8)
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `\` → `\\`, line feed → `\n` (quotes stay as they are in help texts).
    static func escapeHelp(_ help: String) -> String {
        guard help.contains(where: { $0 == "\\" || $0 == "\n" }) else { return help }
        var escaped = ""
        for character in help {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Integers without a fraction (`42`), other values as Swift prints them (`0.25`, `5e-05`,
    /// both valid Go floats), `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
    }
}
