/// Exact decimal text to DBN's 1e-9 fixed point, for reference data ("0.001" → 1_000_000): no
/// floating point anywhere on the way.
public enum FixedPoint {
    /// Exact decimal text of a 1e-9 fixed-point value: 2605000000 → "2.605" (no floating point);
    /// `undefPrice` → "".
    public static func format(_ value: Int64) -> String {
        if value == undefPrice { return "" }
        let negative = value < 0
        let magnitude = value.magnitude
        let whole = magnitude / 1_000_000_000
        var fraction = String(magnitude % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return (negative ? "-" : "") + "\(whole).\(fraction)"
    }

    /// Parses `[-]digits[.digits]` with at most 9 decimals; nil for anything else or an overflow.
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 9, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        guard let whole = Int64(parts[0]), let frac = Int64(fraction.isEmpty ? "0" : fraction) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<(9 - fraction.count) { scale *= 10 }
        let (w, o1) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        let (v, o2) = w.addingReportingOverflow(frac * scale)
        guard !o1 && !o2 else { return nil }
        return negative ? -v : v
    }

    /// 10^(9 - decimals): the factor from a price with `decimals` decimals to 1e-9 units; nil when
    /// `decimals` is outside 0...9.
    public static func factor(decimals: Int) -> Int64? {
        guard (0...9).contains(decimals) else { return nil }
        var f: Int64 = 1
        for _ in 0..<(9 - decimals) { f *= 10 }
        return f
    }
}
