public import TickFormat

/// A query over a venue's archive: symbols, one schema, a `[start, end)` window on `ts_recv`.
public struct ArchiveQuery: Sendable {
    /// What a query returns: stored records of some rtypes, or OHLCV bars computed from trades.
    public enum Output: Sendable, Equatable {
        case records(Schema)
        /// Bars of `interval` ns; `rtype` 0x20 (1s) ... 0x23 (1d).
        case ohlcv(Schema, interval: UInt64, rtype: RType)
        /// Every stored record, whatever its rtype (replaying an archive to strategies).
        case everything

        public var schema: Schema {
            switch self {
            case .records(let s), .ohlcv(let s, _, _): s
            case .everything: .mixed
            }
        }
    }

    public var venue: String
    /// Raw symbols; nil selects every instrument.
    public var symbols: [String]?
    public var output: Output
    public var start: UInt64
    public var end: UInt64
    public var limit: Int?
    /// Skip damaged frames (reported) instead of failing.
    public var skipCorrupt: Bool
    /// Before the window's records, the latest definition of each selected instrument from before
    /// the window (what a strategy replaying from `start` needs to know its instruments).
    public var definitionsInEffect: Bool
    /// Also return SystemMsg notices (gaps, stale periods) for the instruments selected.
    public var notices: Bool

    public init(venue: String, symbols: [String]? = nil, output: Output, start: UInt64 = 0, end: UInt64 = .max,
                limit: Int? = nil, skipCorrupt: Bool = false, definitionsInEffect: Bool = false, notices: Bool = false) {
        self.venue = venue
        self.symbols = symbols
        self.output = output
        self.start = start
        self.end = end
        self.limit = limit
        self.skipCorrupt = skipCorrupt
        self.definitionsInEffect = definitionsInEffect
        self.notices = notices
    }

    /// The schemas `cfeed query --schema` accepts.
    public static let schemaNames = ["mbo", "mbp-1", "mbp-10", "trades", "definition", "status", "statistics",
                                     "ohlcv-1s", "ohlcv-1m", "ohlcv-1h", "ohlcv-1d"]

    public static func output(named name: String) -> Output? {
        switch name {
        case "mbo": .records(.mbo)
        case "mbp-1": .records(.mbp1)
        case "mbp-10": .records(.mbp10)
        case "trades": .records(.trades)
        case "definition": .records(.definition)
        case "status": .records(.status)
        case "statistics": .records(.statistics)
        case "ohlcv-1s": .ohlcv(.ohlcv1S, interval: 1_000_000_000, rtype: .ohlcv1S)
        case "ohlcv-1m": .ohlcv(.ohlcv1M, interval: 60_000_000_000, rtype: .ohlcv1M)
        case "ohlcv-1h": .ohlcv(.ohlcv1H, interval: 3_600_000_000_000, rtype: .ohlcv1H)
        case "ohlcv-1d": .ohlcv(.ohlcv1D, interval: 86_400_000_000_000, rtype: .ohlcv1D)
        default: nil
        }
    }

    /// The stored rtypes the query reads.
    var storedRTypes: RTypeSet {
        var set: RTypeSet
        switch output {
        case .ohlcv: set = RTypeSet([.mbp0])
        case .records(let schema): set = RTypeSet([Self.rtype(of: schema)])
        case .everything: set = RTypeSet((0...255).map { RType(rawValue: UInt8($0)) })
        }
        if notices { set.insert(RType.system.rawValue) }
        return set
    }

    static func rtype(of schema: Schema) -> RType {
        switch schema {
        case .mbo: .mbo
        case .mbp1: .mbp1
        case .mbp10: .mbp10
        case .definition: .instrumentDef
        case .status: .status
        case .statistics: .statistics
        default: .mbp0
        }
    }
}
