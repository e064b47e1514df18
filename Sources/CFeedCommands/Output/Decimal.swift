import TickFormat

/// 1e-9 fixed-point prices as exact decimal text: 2605000000 → "2.605". No floating point.
enum FixedDecimal {
    static func format(_ value: Int64) -> String {
        if value == undefPrice { return "" }
        let negative = value < 0
        let magnitude = value.magnitude
        let whole = magnitude / 1_000_000_000
        var fraction = String(magnitude % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return (negative ? "-" : "") + "\(whole).\(fraction)"
    }
}
