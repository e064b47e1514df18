import TickFormat

/// 1e-9 fixed-point prices as exact decimal text (`FixedPoint.format`).
typealias FixedDecimal = FixedPoint
