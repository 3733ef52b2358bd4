/// A UTC instant at second precision: what `session_shares` stores.
///
/// Stored as SQLite's own text format `YYYY-MM-DD HH:MM:SS` (what `datetime('now')` returns), so
/// that other programs comparing columns against `datetime('now')` as strings get the right
/// answer; shown in the API as RFC 3339 with `Z` (`2026-02-26T18:00:00Z`).
public struct UTCTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    public static func < (lhs: UTCTimestamp, rhs: UTCTimestamp) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    public func adding(seconds: Int64) -> UTCTimestamp {
        UTCTimestamp(secondsSinceEpoch: secondsSinceEpoch + seconds)
    }

    public var description: String { rfc3339 }

    // MARK: Formatting

    /// `YYYY-MM-DD HH:MM:SS`, as SQLite's `datetime()` writes it.
    public var sqliteText: String { format(separator: UInt8(ascii: " "), zulu: false) }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String { format(separator: UInt8(ascii: "T"), zulu: true) }

    private func format(separator: UInt8, zulu: Bool) -> String {
        let (days, secondsOfDay) = secondsSinceEpoch.floorDivided(by: 86_400)
        let (year, month, day) = CivilDate.fromDays(days)
        var bytes = [UInt8]()
        bytes.reserveCapacity(20)
        appendDigits(&bytes, year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, day, width: 2)
        bytes.append(separator)
        appendDigits(&bytes, secondsOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(&bytes, secondsOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(&bytes, secondsOfDay % 60, width: 2)
        if zulu { bytes.append(UInt8(ascii: "Z")) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func appendDigits(_ bytes: inout [UInt8], _ value: Int64, width: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(&bytes, -value, width: width)
            return
        }
        let digits = Array(String(value).utf8)
        if digits.count < width {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
        }
        bytes.append(contentsOf: digits)
    }

    // MARK: Parsing

    /// Parses `YYYY-MM-DD HH:MM:SS` (SQLite's format), also accepting a `T` separator, a fraction
    /// of a second (dropped, as SQLite's own comparison would order it after the whole second) and
    /// a trailing `Z`. Returns nil for anything else, including impossible dates.
    public init?(sqliteText text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19,
            bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = Self.number(bytes, 0, 4), let month = Self.number(bytes, 5, 2),
            let day = Self.number(bytes, 8, 2), let hour = Self.number(bytes, 11, 2),
            let minute = Self.number(bytes, 14, 2), let second = Self.number(bytes, 17, 2)
        else { return nil }
        var rest = bytes[19...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count)
        }
        if rest.first == UInt8(ascii: "Z") { rest = rest.dropFirst() }
        guard rest.isEmpty,
            (1...12).contains(month), (1...CivilDate.daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilDate.toDays(year: year, month: month, day: day)
        self.init(secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (the API format); same rules as `init(sqliteText:)`.
    public init?(rfc3339 text: String) {
        self.init(sqliteText: text)
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for byte in bytes[start..<start + count] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), after Howard
/// Hinnant's `days_from_civil` / `civil_from_days`: exact, branch-light, no Foundation calendar.
enum CivilDate {
    static func toDays(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func fromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder (Swift's `/` truncates toward zero).
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
