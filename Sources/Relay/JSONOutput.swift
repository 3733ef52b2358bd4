import NIOCore

// Writers for the few JSON pieces the relay's messages are made of, straight into a ByteBuffer:
// decimal integers, escaped strings and RFC 3339 timestamps. No Foundation, no intermediate
// `String`s, no formatters: these run once per event on the publish path.

extension ByteBuffer {
    /// Writes `value` in decimal.
    @inlinable
    @discardableResult
    public mutating func writeDecimal(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var remaining = value
            var index = digits
            repeat {
                index -= 1
                out[index] = UInt8(truncatingIfNeeded: remaining % 10) &+ UInt8(ascii: "0")
                remaining /= 10
            } while index > 0
            return digits
        }
    }

    /// Writes `value` in decimal, with a leading `-` when negative.
    @inlinable
    @discardableResult
    public mutating func writeDecimal(_ value: Int) -> Int {
        if value < 0 {
            let sign = writeInteger(UInt8(ascii: "-"))
            return sign + writeDecimal(UInt64(value.magnitude))
        }
        return writeDecimal(UInt64(value))
    }

    /// Writes `string` as a JSON string literal, quotes included (RFC 8259 section 7): `"` and `\`
    /// are escaped, control characters become `\n`-style or `\u00XX` escapes, everything else is
    /// copied as UTF-8 in runs.
    public mutating func writeJSONString(_ string: String) {
        writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index {
                    writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<index])))
                }
                writeJSONEscape(for: byte)
                runStart = index + 1
            }
            if runStart < utf8.count {
                writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...])))
            }
        }
        writeInteger(UInt8(ascii: "\""))
    }

    private mutating func writeJSONEscape(for byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): writeStaticString("\\\"")
        case UInt8(ascii: "\\"): writeStaticString("\\\\")
        case 0x0A: writeStaticString("\\n")
        case 0x0D: writeStaticString("\\r")
        case 0x09: writeStaticString("\\t")
        case 0x08: writeStaticString("\\b")
        case 0x0C: writeStaticString("\\f")
        default:
            let hex: StaticString = "0123456789abcdef"
            writeStaticString("\\u00")
            writeInteger(hex.utf8Start[Int(byte >> 4)])
            writeInteger(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Writes `time` as RFC 3339 UTC with milliseconds: `YYYY-MM-DDTHH:MM:SS.mmmZ`, always 24
    /// bytes. Years outside 0000...9999 are clamped to the first or last millisecond of that range.
    @discardableResult
    public mutating func writeRFC3339(_ time: RelayTime) -> Int {
        let civil = CivilTime(time)
        return writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { out in
            func put2(_ value: Int, at offset: Int) {
                out[offset] = UInt8(truncatingIfNeeded: value / 10) &+ 48
                out[offset + 1] = UInt8(truncatingIfNeeded: value % 10) &+ 48
            }
            put2(civil.year / 100, at: 0)
            put2(civil.year % 100, at: 2)
            out[4] = UInt8(ascii: "-")
            put2(civil.month, at: 5)
            out[7] = UInt8(ascii: "-")
            put2(civil.day, at: 8)
            out[10] = UInt8(ascii: "T")
            put2(civil.hour, at: 11)
            out[13] = UInt8(ascii: ":")
            put2(civil.minute, at: 14)
            out[16] = UInt8(ascii: ":")
            put2(civil.second, at: 17)
            out[19] = UInt8(ascii: ".")
            out[20] = UInt8(truncatingIfNeeded: civil.millisecond / 100) &+ 48
            put2(civil.millisecond % 100, at: 21)
            out[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}

/// A UTC calendar date and time of day, from days since the epoch with Howard Hinnant's
/// `civil_from_days` algorithm (proleptic Gregorian calendar, exact for every day in range).
struct CivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var millisecond: Int

    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in milliseconds since the epoch.
    static let earliestMilliseconds: Int64 = -62_167_219_200_000
    static let latestMilliseconds: Int64 = 253_402_300_799_999

    init(_ time: RelayTime) {
        let milliseconds = min(max(time.millisecondsSinceEpoch, Self.earliestMilliseconds), Self.latestMilliseconds)
        // Floor division so times before 1970 land on the right day.
        let millisecondsPerDay: Int64 = 86_400_000
        var days = milliseconds / millisecondsPerDay
        var millisecondOfDay = milliseconds % millisecondsPerDay
        if millisecondOfDay < 0 {
            millisecondOfDay += millisecondsPerDay
            days -= 1
        }
        let ms = Int(millisecondOfDay)
        millisecond = ms % 1000
        second = (ms / 1000) % 60
        minute = (ms / 60_000) % 60
        hour = ms / 3_600_000

        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
