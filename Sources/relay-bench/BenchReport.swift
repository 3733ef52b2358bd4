import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// One run's results in a fixed order: printed as a two-column table and as one JSON line.
struct BenchReport {
    enum Value {
        case int(Int)
        case double(Double, digits: Int)
        case string(String)
        case bool(Bool)

        var json: String {
            switch self {
            case .int(let v): "\(v)"
            case .double(let v, let digits): v.isFinite ? format(v, digits: digits) : "null"
            case .string(let s): "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .bool(let b): b ? "true" : "false"
            }
        }

        var text: String {
            switch self {
            case .string(let s): s
            default: json
            }
        }
    }

    private(set) var fields: [(key: String, value: Value)] = []

    init(scenario: String, options: CommonOptions) {
        add("scenario", .string(scenario))
        add("label", .string(options.label))
        add("url", .string(options.url))
        add("protocol", .string(options.protocol.rawValue))
        add("time", .int(Int(time(nil))))
    }

    mutating func add(_ key: String, _ value: Value) { fields.append((key, value)) }
    mutating func add(_ key: String, _ value: Int) { add(key, .int(value)) }
    mutating func add(_ key: String, _ value: Double, digits: Int = 2) { add(key, .double(value, digits: digits)) }
    mutating func add(_ key: String, _ value: Bool) { add(key, .bool(value)) }
    mutating func add(_ key: String, _ value: String) { add(key, .string(value)) }

    /// Latency percentiles in microseconds.
    mutating func addLatency(_ prefix: String, _ histogram: Histogram<UInt64>) {
        let us = { (v: UInt64) in Double(v) / 1000 }
        add("\(prefix)_count", Int(histogram.totalCount))
        guard histogram.totalCount > 0 else { return }
        add("\(prefix)_p50_us", us(histogram.valueAtPercentile(50)), digits: 1)
        add("\(prefix)_p90_us", us(histogram.valueAtPercentile(90)), digits: 1)
        add("\(prefix)_p99_us", us(histogram.valueAtPercentile(99)), digits: 1)
        add("\(prefix)_p999_us", us(histogram.valueAtPercentile(99.9)), digits: 1)
        add("\(prefix)_max_us", us(histogram.max), digits: 1)
    }

    /// Server CPU and memory over the measured phase; `per` is the number of deliveries (or
    /// connections) the CPU time is divided by.
    mutating func addServerUsage(_ usage: ServerUsage, deliveries: Int, connections: Int? = nil) {
        guard let (before, after) = usage.finish() else {
            add("server_sampled", false)
            return
        }
        let cpu = after.cpuSeconds - before.cpuSeconds
        add("server_cpu_s", cpu, digits: 3)
        add("server_rss_before_kb", before.rssBytes / 1024)
        add("server_rss_after_kb", after.rssBytes / 1024)
        if deliveries > 0 { add("server_cpu_per_delivery_us", cpu * 1e6 / Double(deliveries), digits: 3) }
        if let connections, connections > 0 {
            add("server_rss_per_connection_b", (after.rssBytes - before.rssBytes) / connections)
        }
    }

    func printTable() {
        let width = fields.map(\.key.count).max() ?? 0
        for (key, value) in fields {
            print(key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value.text)
        }
    }

    var jsonLine: String {
        "{" + fields.map { "\"\($0.key)\":\($0.value.json)" }.joined(separator: ",") + "}"
    }

    /// Prints the table (unless quiet) and the JSON line, and appends the line to `--json-out`.
    func emit(_ options: CommonOptions) {
        if !options.quiet { printTable() }
        print(jsonLine)
        if let path = options.jsonOut, let file = fopen(path, "a") {
            fputs(jsonLine + "\n", file)
            fclose(file)
        }
    }
}

/// Fixed-point formatting without Foundation or varargs C calls.
private func format(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e18 else { return "\(value)" }
    let units = UInt64(scaled)
    let whole = units / UInt64(scale)
    var text = (value < 0 && units > 0 ? "-" : "") + "\(whole)"
    if digits > 0 {
        let fraction = String(units % UInt64(scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    func padding(toLength length: Int, withPad pad: String, startingAt: Int) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}
