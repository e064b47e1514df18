public import Foundation
public import FeedEngine
import TickFormat

/// The reference data shipped with every ICE-style capture (specs/instruments.md, "Reference data
/// files"; specs/ice-impact.md §12): what real iMpact sends over TCP.
///
/// ```json
/// { "venue": "ice",
///   "markets": [ { "market_id": 72001, "symbol": "OCX H100 Mar27", "underlying": "H100",
///                  "deal_price_denominator": 3, "tick": "0.001", "contract_size": 1000,
///                  "currency": "USD", "expiration": "2027-03-26" } ] }
/// ```
public struct ICEReferenceData: Codable, Sendable, Equatable {
    public var venue: String
    public var markets: [Market]

    public struct Market: Codable, Sendable, Equatable {
        public var marketID: Int32
        public var symbol: String
        public var underlying: String?
        public var dealPriceDenominator: Int
        /// Defaults to `dealPriceDenominator`.
        public var settlePriceDenominator: Int?
        /// Exact decimal text.
        public var tick: String
        public var contractSize: Int64
        public var currency: String
        /// `YYYY-MM-DD`.
        public var expiration: String?

        enum CodingKeys: String, CodingKey {
            case marketID = "market_id", symbol, underlying, dealPriceDenominator = "deal_price_denominator"
            case settlePriceDenominator = "settle_price_denominator", tick, contractSize = "contract_size", currency, expiration
        }

        public init(marketID: Int32, symbol: String, underlying: String?, dealPriceDenominator: Int, tick: String,
                    contractSize: Int64, currency: String, expiration: String?) {
            self.marketID = marketID
            self.symbol = symbol
            self.underlying = underlying
            self.dealPriceDenominator = dealPriceDenominator
            self.tick = tick
            self.contractSize = contractSize
            self.currency = currency
            self.expiration = expiration
        }
    }

    public init(markets: [Market]) {
        venue = "ice"
        self.markets = markets
    }

    /// Reads and checks a reference file; every problem is one line naming the file and the key.
    public static func load(path: String) throws(ConfigurationError) -> ICEReferenceData {
        try decode(try ReferenceFile.read(path: path), name: path)
    }

    public static func decode(_ data: Data, name: String) throws(ConfigurationError) -> ICEReferenceData {
        let reference = try ReferenceFile.decode(ICEReferenceData.self, from: data, name: name)
        guard reference.venue == "ice" else { throw ConfigurationError("reference data \(name): venue is '\(reference.venue)', not 'ice'") }
        var seen = Set<Int32>()
        for (i, m) in reference.markets.enumerated() {
            let at = "reference data \(name): markets[\(i)]"
            guard seen.insert(m.marketID).inserted else { throw ConfigurationError("\(at).market_id: \(m.marketID) appears twice") }
            guard FixedPoint.factor(decimals: m.dealPriceDenominator) != nil else {
                throw ConfigurationError("\(at).deal_price_denominator: \(m.dealPriceDenominator) is outside 0...9")
            }
            if let s = m.settlePriceDenominator, FixedPoint.factor(decimals: s) == nil {
                throw ConfigurationError("\(at).settle_price_denominator: \(s) is outside 0...9")
            }
            guard FixedPoint.parse(m.tick).map({ $0 > 0 }) == true else { throw ConfigurationError("\(at).tick: '\(m.tick)' is not a positive decimal") }
            guard m.symbol.utf8.count <= 70, !m.symbol.isEmpty else { throw ConfigurationError("\(at).symbol: must be 1 to 70 characters") }
            if let e = m.expiration, Timestamps.parse(e + "T00:00:00Z") == nil {
                throw ConfigurationError("\(at).expiration: '\(e)' is not a YYYY-MM-DD date")
            }
        }
        return reference
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }
}
