public import Foundation
public import FeedEngine
import TickFormat

/// The reference data shipped with SHFE-style captures (specs/instruments.md, "Reference data
/// files"): what MDQP's snapshot field 0x0101 gives live.
///
/// ```json
/// { "venue": "shfe", "topic_id": 1001,
///   "instruments": [ { "instrument_no": 1, "symbol": "tk2701", "codec_price": "4.00", "price_tick": "0.01",
///                      "volume_multiple": 1000, "currency": "CNY", "expiration": "2027-01-15" } ] }
/// ```
public struct SHFEReferenceData: Codable, Sendable, Equatable {
    public var venue: String
    public var topicID: Int16
    public var instruments: [Instrument]

    public struct Instrument: Codable, Sendable, Equatable {
        public var instrumentNo: Int32
        public var symbol: String
        /// Exact decimal text.
        public var codecPrice: String
        public var priceTick: String
        public var volumeMultiple: Int64
        public var currency: String
        public var expiration: String?

        enum CodingKeys: String, CodingKey {
            case instrumentNo = "instrument_no", symbol, codecPrice = "codec_price", priceTick = "price_tick"
            case volumeMultiple = "volume_multiple", currency, expiration
        }

        public init(instrumentNo: Int32, symbol: String, codecPrice: String, priceTick: String, volumeMultiple: Int64,
                    currency: String, expiration: String?) {
            self.instrumentNo = instrumentNo
            self.symbol = symbol
            self.codecPrice = codecPrice
            self.priceTick = priceTick
            self.volumeMultiple = volumeMultiple
            self.currency = currency
            self.expiration = expiration
        }
    }

    enum CodingKeys: String, CodingKey { case venue, topicID = "topic_id", instruments }

    public init(topicID: Int16, instruments: [Instrument]) {
        venue = "shfe"
        self.topicID = topicID
        self.instruments = instruments
    }

    public static func load(path: String) throws(ConfigurationError) -> SHFEReferenceData {
        try decode(try ReferenceFile.read(path: path), name: path)
    }

    public static func decode(_ data: Data, name: String) throws(ConfigurationError) -> SHFEReferenceData {
        let reference = try ReferenceFile.decode(SHFEReferenceData.self, from: data, name: name)
        guard reference.venue == "shfe" else { throw ConfigurationError("reference data \(name): venue is '\(reference.venue)', not 'shfe'") }
        var seen = Set<Int32>()
        for (i, m) in reference.instruments.enumerated() {
            let at = "reference data \(name): instruments[\(i)]"
            guard m.instrumentNo >= 0, seen.insert(m.instrumentNo).inserted else {
                throw ConfigurationError("\(at).instrument_no: \(m.instrumentNo) is negative or appears twice")
            }
            guard FixedPoint.parse(m.codecPrice) != nil else { throw ConfigurationError("\(at).codec_price: '\(m.codecPrice)' is not a decimal") }
            guard FixedPoint.parse(m.priceTick).map({ $0 > 0 }) == true else { throw ConfigurationError("\(at).price_tick: '\(m.priceTick)' is not a positive decimal") }
            guard m.volumeMultiple > 0 else { throw ConfigurationError("\(at).volume_multiple must be positive") }
            guard !m.symbol.isEmpty, m.symbol.utf8.count <= 70 else { throw ConfigurationError("\(at).symbol: must be 1 to 70 characters") }
        }
        return reference
    }
}

extension SHFEReferenceData {
    /// The reference data live, from an MDQP snapshot's instrument fields (0x0101): what a
    /// handler without a reference file starts from. Prices become exact decimals (f64 rounded
    /// to 1e-9); the expiration is not in MDQP.
    public init(snapshot: MDQPSnapshot) {
        func decimal(_ value: Double) -> String { FixedPoint.format(Int64((value * 1e9).rounded())) }
        self.init(topicID: snapshot.topicID, instruments: snapshot.instruments.map {
            Instrument(instrumentNo: $0.instrumentNo, symbol: $0.symbol, codecPrice: decimal($0.codecPrice), priceTick: decimal($0.priceTick),
                       volumeMultiple: Int64($0.volumeMultiple), currency: $0.currency, expiration: nil)
        })
    }

    /// Logs in to the MDQP server of `configuration` and takes the topic's reference data from a
    /// snapshot (live mode without a reference file).
    public static func fetch(topicID: Int16, from configuration: MDQPClientConfiguration) throws(MDQPFailure) -> SHFEReferenceData {
        let client = MDQPClient(configuration: configuration)
        defer { client.close() }
        let snapshot = try client.snapshot(topic: topicID)
        guard !snapshot.instruments.isEmpty else { throw .unusable("the snapshot of topic \(topicID) lists no instruments") }
        return SHFEReferenceData(snapshot: snapshot)
    }
}
