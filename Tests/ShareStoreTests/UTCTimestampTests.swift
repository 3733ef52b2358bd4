import SQLite
import ShareStore
import Testing

@Suite struct UTCTimestampTests {
    @Test func formatsAsSQLiteTextAndRFC3339() {
        let timestamp = UTCTimestamp(secondsSinceEpoch: 1_772_128_800)
        #expect(timestamp.sqliteText == "2026-02-26 18:00:00")
        #expect(timestamp.rfc3339 == "2026-02-26T18:00:00Z")
        #expect(UTCTimestamp(secondsSinceEpoch: 0).sqliteText == "1970-01-01 00:00:00")
        #expect(UTCTimestamp(secondsSinceEpoch: -1).sqliteText == "1969-12-31 23:59:59")
    }

    @Test func formattingAgreesWithSQLitesOwnDatetime() throws {
        // SQLite is the reference: the whole point is that its string comparisons work on our values.
        let connection = try SQLiteConnection(path: ":memory:")
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        while seconds < 253_402_300_799 {  // 9999-12-31 23:59:59
            let expected = try connection.queryText("SELECT datetime(?1, 'unixepoch')", [.integer(seconds)])
            #expect(UTCTimestamp(secondsSinceEpoch: seconds).sqliteText == expected)
            #expect(UTCTimestamp(sqliteText: expected ?? "")?.secondsSinceEpoch == seconds)
            seconds += 86_400 * 97 + 3_607  // walks through every month, leap days and times of day
        }
    }

    @Test func parsingAcceptsSQLiteFormatFractionsTAndZ() {
        let expected = UTCTimestamp(secondsSinceEpoch: 1_772_128_800)
        #expect(UTCTimestamp(sqliteText: "2026-02-26 18:00:00") == expected)
        #expect(UTCTimestamp(sqliteText: "2026-02-26 18:00:00.999") == expected)
        #expect(UTCTimestamp(sqliteText: "2026-02-26T18:00:00Z") == expected)
        #expect(UTCTimestamp(rfc3339: "2026-02-26T18:00:00Z") == expected)
    }

    @Test func parsingRejectsImpossibleOrMalformedDates() {
        for bad in [
            "", "2026-02-26", "2025-02-29 00:00:00", "2026-13-01 00:00:00", "2026-04-31 00:00:00",
            "2026-02-26 24:00:00", "2026-02-26 18:60:00", "2026-02-26 18:00:60", "2026-02-26 18:00:00+01:00",
            "2026/02/26 18:00:00", "2026-02-26 18:00:00.", "１９７０-01-01 00:00:00",
        ] {
            #expect(UTCTimestamp(sqliteText: bad) == nil, "\(bad) should be rejected")
        }
        #expect(UTCTimestamp(sqliteText: "2024-02-29 12:00:00") != nil)
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualWallClock(UTCTimestamp(secondsSinceEpoch: 100))
        #expect(clock.now().secondsSinceEpoch == 100)
        clock.advance(by: 5)
        #expect(clock.now().secondsSinceEpoch == 105)
        clock.set(UTCTimestamp(secondsSinceEpoch: 7))
        #expect(clock.now().secondsSinceEpoch == 7)
    }
}
