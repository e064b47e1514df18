/// Nanosecond UTC timestamps as ISO 8601 text, without Foundation (exact to the nanosecond, and
/// usable on hot output paths).
public enum Timestamps {
    /// `2027-01-04T14:30:00.000000001Z`.
    public static func iso8601(_ ns: UInt64) -> String {
        if ns == undefTimestamp { return "undef" }
        let seconds = Int64(ns / 1_000_000_000)
        let fraction = ns % 1_000_000_000
        let (y, m, d) = civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2))"
            + ":\(pad(secondOfDay % 60, 2)).\(pad(Int64(fraction), 9))Z"
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    public static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a civil date (days_from_civil).
    public static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Timestamps {
    /// Parses a time given on a command line: nanoseconds since the epoch (`1799073000000000000`),
    /// or ISO 8601 (`2027-01-04T14:30:00Z`, `2027-01-04T22:30:00.5+08:00`, `2027-01-04` for midnight
    /// UTC). Fractions keep up to 9 digits exactly. Nil for anything else.
    public static func parse(_ text: String) -> UInt64? {
        if let ns = UInt64(text) { return ns }
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= chars.count, range.allSatisfy({ chars[$0] >= 48 && chars[$0] <= 57 }) else { return nil }
            return range.reduce(Int64(0)) { $0 * 10 + Int64(chars[$1] - 48) }
        }
        guard chars.count >= 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400
        var fraction: Int64 = 0
        var i = 10
        if i < chars.count {
            guard chars[i] == UInt8(ascii: "T") || chars[i] == UInt8(ascii: " "), let h = number(i + 1..<i + 3),
                  i + 3 < chars.count, chars[i + 3] == UInt8(ascii: ":"), let m = number(i + 4..<i + 6),
                  h < 24, m < 60 else { return nil }
            seconds += h * 3600 + m * 60
            i += 6
            if i < chars.count, chars[i] == UInt8(ascii: ":") {
                guard let s = number(i + 1..<i + 3), s < 61 else { return nil }
                seconds += s
                i += 3
                if i < chars.count, chars[i] == UInt8(ascii: ".") {
                    var digits = 0
                    i += 1
                    while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                        if digits < 9 { fraction = fraction * 10 + Int64(chars[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in min(digits, 9)..<9 { fraction *= 10 }
                }
            }
            if i < chars.count {
                if chars[i] == UInt8(ascii: "Z") {
                    i += 1
                } else if chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") {
                    let sign: Int64 = chars[i] == UInt8(ascii: "+") ? 1 : -1
                    guard let oh = number(i + 1..<i + 3), i + 3 < chars.count, chars[i + 3] == UInt8(ascii: ":"),
                          let om = number(i + 4..<i + 6) else { return nil }
                    seconds -= sign * (oh * 3600 + om * 60)
                    i += 6
                } else {
                    return nil
                }
            }
        }
        guard i == chars.count, seconds >= 0 else { return nil }
        return UInt64(seconds) * 1_000_000_000 + UInt64(fraction)
    }
}
