import Foundation
import Testing

@testable import RelayServer

/// The exposition writer against the text format 0.0.4 rules.
@Suite struct PrometheusTextTests {
    @Test func labelValuesEscapeBackslashQuoteAndNewline() {
        var text = PrometheusText()
        text.counter("demo_total", help: "Demo.", [.init([("path", #"a\b"c"# + "\nd")], 1)])
        #expect(text.text.contains(#"demo_total{path="a\\b\"c\nd"} 1"# + "\n"))
        #expect(PrometheusText.escapeLabelValue("plain") == "plain")
    }

    @Test func helpTextEscapesBackslashAndNewlineButNotQuotes() {
        var text = PrometheusText()
        text.gauge("demo", help: "line one\nsays \"C:\\\"", value: 2)
        #expect(text.text.hasPrefix(#"# HELP demo line one\nsays "C:\\""# + "\n# TYPE demo gauge\n"))
    }

    @Test func helpAndTypeComeOncePerFamilyBeforeAllItsSamples() {
        var text = PrometheusText()
        text.counter("demo_total", help: "Demo.", [.init([("role", "a")], 1), .init([("role", "b")], 2)])
        text.gauge("other", help: "Other.", value: 0)
        #expect(
            text.text == """
                # HELP demo_total Demo.
                # TYPE demo_total counter
                demo_total{role="a"} 1
                demo_total{role="b"} 2
                # HELP other Other.
                # TYPE other gauge
                other 0

                """
        )
    }

    @Test func histogramBucketsAreCumulativeAndEndWithInfSumAndCount() {
        var histogram = LatencyHistogram(upperBounds: [1_000_000, 10_000_000])  // 1 ms, 10 ms
        histogram.observe(nanoseconds: 500_000)
        histogram.observe(nanoseconds: 1_000_000)  // on the bound: le is inclusive
        histogram.observe(nanoseconds: 5_000_000)
        histogram.observe(nanoseconds: 2_000_000_000)
        var text = PrometheusText()
        text.histogram("demo_seconds", help: "Demo.", [([("op", "x")], histogram)])
        #expect(
            text.text == """
                # HELP demo_seconds Demo.
                # TYPE demo_seconds histogram
                demo_seconds_bucket{op="x",le="0.001"} 2
                demo_seconds_bucket{op="x",le="0.01"} 3
                demo_seconds_bucket{op="x",le="+Inf"} 4
                demo_seconds_sum{op="x"} 2.0065
                demo_seconds_count{op="x"} 4

                """
        )
    }

    @Test func emptyHistogramStillHasEveryBucketSumAndCount() {
        var text = PrometheusText()
        text.histogram("empty_seconds", help: "Empty.", [([], LatencyHistogram(upperBounds: LatencyHistogram.storeBounds))])
        let lines = text.text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("empty_seconds_bucket") }.count == LatencyHistogram.storeBounds.count + 1)
        #expect(lines.contains(#"empty_seconds_bucket{le="+Inf"} 0"#))
        #expect(lines.contains("empty_seconds_sum 0"))
        #expect(lines.contains("empty_seconds_count 0"))
    }

    @Test func valuesAreIntegersWhenWholeAndGoFloatsOtherwise() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(0.00005) == "5e-05")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test func metricNamesFollowTheGrammar() {
        #expect(PrometheusText.isValidName("share_relay_events_received_total"))
        #expect(PrometheusText.isValidName("a:b_c9"))
        #expect(!PrometheusText.isValidName("9lives"))
        #expect(!PrometheusText.isValidName("has-dash"))
        #expect(!PrometheusText.isValidName(""))
    }

    @Test func histogramBoundsAscendFrom50MicrosecondsAnd100Microseconds() {
        #expect(LatencyHistogram.fanoutBounds.first == 50_000 && LatencyHistogram.fanoutBounds.last == 5_000_000_000)
        #expect(LatencyHistogram.storeBounds.first == 100_000 && LatencyHistogram.storeBounds.last == 10_000_000_000)
    }

    @Test func processStatisticsComeFromProcSelf() throws {
        let process = try #require(ProcessStatistics.read())
        #expect(process.residentMemoryBytes > 1_000_000)
        #expect(process.cpuSeconds > 0)
        #expect(process.openFileDescriptors >= 3)
        #expect(process.maxFileDescriptors >= process.openFileDescriptors)
        let now = Date().timeIntervalSince1970
        #expect(process.startTimeSeconds <= now + 1 && process.startTimeSeconds > now - 24 * 3600)
    }
}
