/// SplitMix64: a small, fast, seedable generator, so every simulated market is reproducible from
/// its seed (tests name the seed of any failure).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x632B_E59B_D9B4_E019 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// Exponentially distributed with the given mean.
    public mutating func exponential(mean: Double) -> Double { -mean * log1p(-unit()) }

    /// Geometric on 0, 1, 2, … with success probability `p`.
    public mutating func geometric(_ p: Double) -> Int {
        var n = 0
        while !chance(p) && n < 1000 { n += 1 }
        return n
    }

    /// A new independent generator (for one line, one instrument), derived from this one.
    public mutating func split() -> SeededRandom { SeededRandom(seed: next()) }
}

import Foundation
