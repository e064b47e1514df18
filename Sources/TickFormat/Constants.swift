/// DBN v3 constants and the small value types that appear inside records.
///
/// Every type that is stored in a record is a `RawRepresentable` struct over its wire integer, never
/// a Swift `enum`: records are read in place from untrusted bytes, and a struct can hold any bit
/// pattern a file contains, where an enum with an undeclared raw value would be undefined behaviour.

/// The DBN version this library writes and the only one it reads.
public let dbnVersion: UInt8 = 3
/// Fixed-point price scale: one price unit is 1e-9.
public let fixedPriceScale: Int64 = 1_000_000_000
/// Price with no value (`i64::MAX`).
public let undefPrice: Int64 = .max
/// Size with no value (`u32::MAX`).
public let undefOrderSize: UInt32 = .max
/// `StatMsg.quantity` with no value (`i64::MAX` in v3).
public let undefStatQuantity: Int64 = .max
/// Timestamp with no value (`u64::MAX`).
public let undefTimestamp: UInt64 = .max
/// Width of every symbol string in the v2/v3 metadata header.
public let symbolCStrLen = 71
/// The longest record DBN defines (InstrumentDefMsg with ts_out).
public let maxRecordLength = 528

/// Record type, the second byte of every record header (spec §4.2).
public struct RType: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let mbp0 = RType(rawValue: 0x00)
    public static let mbp1 = RType(rawValue: 0x01)
    public static let mbp10 = RType(rawValue: 0x0A)
    public static let ohlcvDeprecated = RType(rawValue: 0x11)
    public static let status = RType(rawValue: 0x12)
    public static let instrumentDef = RType(rawValue: 0x13)
    public static let imbalance = RType(rawValue: 0x14)
    public static let error = RType(rawValue: 0x15)
    public static let symbolMapping = RType(rawValue: 0x16)
    public static let system = RType(rawValue: 0x17)
    public static let statistics = RType(rawValue: 0x18)
    public static let ohlcv1S = RType(rawValue: 0x20)
    public static let ohlcv1M = RType(rawValue: 0x21)
    public static let ohlcv1H = RType(rawValue: 0x22)
    public static let ohlcv1D = RType(rawValue: 0x23)
    public static let ohlcvEod = RType(rawValue: 0x24)
    public static let mbo = RType(rawValue: 0xA0)
    public static let cmbp1 = RType(rawValue: 0xB1)
    public static let cbbo1S = RType(rawValue: 0xC0)
    public static let cbbo1M = RType(rawValue: 0xC1)
    public static let tcbbo = RType(rawValue: 0xC2)
    public static let bbo1S = RType(rawValue: 0xC3)
    public static let bbo1M = RType(rawValue: 0xC4)

    /// The struct size of this record type without ts_out, or nil for a value DBN does not define.
    /// Databento's decoders reject undefined rtypes, so a reader must too.
    @inlinable public var recordSize: Int? {
        switch rawValue {
        case 0x00: 48
        case 0x01, 0x18, 0xB1, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4: 80
        case 0x0A: 368
        case 0x11, 0x20, 0x21, 0x22, 0x23, 0x24, 0xA0: 56
        case 0x12: 40
        case 0x13: 520
        case 0x14: 112
        case 0x15, 0x17: 320
        case 0x16: 176
        default: nil
        }
    }

    /// Offset of `ts_recv` in this record type, or nil where the record has none (its index time is
    /// then `ts_event`).
    @inlinable public var tsRecvOffset: Int? {
        switch rawValue {
        case 0x00, 0x01, 0x0A, 0xB1, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4: 32
        case 0xA0: 40
        case 0x12, 0x13, 0x18: 16
        case 0x14: 16
        default: nil
        }
    }

    public var name: String {
        switch rawValue {
        case 0x00: "mbp-0"
        case 0x01: "mbp-1"
        case 0x0A: "mbp-10"
        case 0x11: "ohlcv-deprecated"
        case 0x12: "status"
        case 0x13: "instrument-def"
        case 0x14: "imbalance"
        case 0x15: "error"
        case 0x16: "symbol-mapping"
        case 0x17: "system"
        case 0x18: "statistics"
        case 0x20: "ohlcv-1s"
        case 0x21: "ohlcv-1m"
        case 0x22: "ohlcv-1h"
        case 0x23: "ohlcv-1d"
        case 0x24: "ohlcv-eod"
        case 0xA0: "mbo"
        case 0xB1: "cmbp-1"
        case 0xC0: "cbbo-1s"
        case 0xC1: "cbbo-1m"
        case 0xC2: "tcbbo"
        case 0xC3: "bbo-1s"
        case 0xC4: "bbo-1m"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
    public var description: String { name }
}

/// Metadata schema (spec §4.3). `mixed` (0xFFFF) allows any official rtype in one file.
public struct Schema: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let mbo = Schema(rawValue: 0)
    public static let mbp1 = Schema(rawValue: 1)
    public static let mbp10 = Schema(rawValue: 2)
    public static let tbbo = Schema(rawValue: 3)
    public static let trades = Schema(rawValue: 4)
    public static let ohlcv1S = Schema(rawValue: 5)
    public static let ohlcv1M = Schema(rawValue: 6)
    public static let ohlcv1H = Schema(rawValue: 7)
    public static let ohlcv1D = Schema(rawValue: 8)
    public static let definition = Schema(rawValue: 9)
    public static let statistics = Schema(rawValue: 10)
    public static let status = Schema(rawValue: 11)
    public static let imbalance = Schema(rawValue: 12)
    public static let ohlcvEod = Schema(rawValue: 13)
    public static let mixed = Schema(rawValue: 0xFFFF)

    /// Databento's names, as used on the command line (`--schema mbp-10`).
    public static let named: [(name: String, schema: Schema)] = [
        ("mbo", .mbo), ("mbp-1", .mbp1), ("mbp-10", .mbp10), ("tbbo", .tbbo), ("trades", .trades),
        ("ohlcv-1s", .ohlcv1S), ("ohlcv-1m", .ohlcv1M), ("ohlcv-1h", .ohlcv1H), ("ohlcv-1d", .ohlcv1D),
        ("definition", .definition), ("statistics", .statistics), ("status", .status),
        ("imbalance", .imbalance), ("ohlcv-eod", .ohlcvEod),
    ]

    public init?(name: String) {
        guard let hit = Schema.named.first(where: { $0.name == name }) else { return nil }
        self = hit.schema
    }

    public var description: String {
        if self == .mixed { return "mixed" }
        return Schema.named.first(where: { $0.schema == self })?.name ?? "schema(\(rawValue))"
    }

    /// The rtypes a single-schema file of this schema may hold.
    public var rtypes: [RType] {
        switch self {
        case .mbo: [.mbo]
        case .mbp1, .tbbo: [.mbp1]
        case .mbp10: [.mbp10]
        case .trades: [.mbp0]
        case .ohlcv1S: [.ohlcv1S]
        case .ohlcv1M: [.ohlcv1M]
        case .ohlcv1H: [.ohlcv1H]
        case .ohlcv1D: [.ohlcv1D]
        case .ohlcvEod: [.ohlcvEod]
        case .definition: [.instrumentDef]
        case .statistics: [.statistics]
        case .status: [.status]
        case .imbalance: [.imbalance]
        default: []
        }
    }
}

/// Symbology type (spec §4.4).
public struct SType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let instrumentID = SType(rawValue: 0)
    public static let rawSymbol = SType(rawValue: 1)
    public static let none = SType(rawValue: 0xFF)
}

/// Record flags (spec §5.4).
public struct RecordFlags: OptionSet, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Last record of one exchange event for this instrument: the book is consistent after it.
    public static let last = RecordFlags(rawValue: 0x80)
    /// Top-of-book record, not an individual order.
    public static let tob = RecordFlags(rawValue: 0x40)
    /// Rebuilt from a snapshot, not the live stream.
    public static let snapshot = RecordFlags(rawValue: 0x20)
    /// Aggregated price-level record.
    public static let mbp = RecordFlags(rawValue: 0x10)
    /// `ts_recv` is not trustworthy.
    public static let badTsRecv = RecordFlags(rawValue: 0x08)
    /// An unrecovered gap: the book may be wrong.
    public static let maybeBadBook = RecordFlags(rawValue: 0x04)
    /// Venue-specific meaning.
    public static let publisherSpecific = RecordFlags(rawValue: 0x02)
}

/// Book action (spec §5.5), one ASCII byte.
public struct Action: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let add = Action(rawValue: UInt8(ascii: "A"))
    public static let cancel = Action(rawValue: UInt8(ascii: "C"))
    public static let modify = Action(rawValue: UInt8(ascii: "M"))
    public static let clear = Action(rawValue: UInt8(ascii: "R"))
    public static let trade = Action(rawValue: UInt8(ascii: "T"))
    public static let fill = Action(rawValue: UInt8(ascii: "F"))
    public static let none = Action(rawValue: UInt8(ascii: "N"))
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// Book side or trade aggressor (spec §5.5), one ASCII byte.
public struct Side: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ask = Side(rawValue: UInt8(ascii: "A"))
    public static let bid = Side(rawValue: UInt8(ascii: "B"))
    public static let none = Side(rawValue: UInt8(ascii: "N"))
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// Tri-state flag of StatusMsg: 'Y', 'N' or '~' (not available).
public struct TriState: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let yes = TriState(rawValue: UInt8(ascii: "Y"))
    public static let no = TriState(rawValue: UInt8(ascii: "N"))
    public static let notAvailable = TriState(rawValue: UInt8(ascii: "~"))
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// StatMsg.stat_type (spec §7): the values a futures feed uses.
public struct StatType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let openingPrice = StatType(rawValue: 1)
    public static let indicativeOpeningPrice = StatType(rawValue: 2)
    public static let settlementPrice = StatType(rawValue: 3)
    public static let tradingSessionLowPrice = StatType(rawValue: 4)
    public static let tradingSessionHighPrice = StatType(rawValue: 5)
    public static let clearedVolume = StatType(rawValue: 6)
    public static let lowestOffer = StatType(rawValue: 7)
    public static let highestBid = StatType(rawValue: 8)
    public static let openInterest = StatType(rawValue: 9)
    public static let fixingPrice = StatType(rawValue: 10)
    public static let closePrice = StatType(rawValue: 11)
    public static let netChange = StatType(rawValue: 12)
    public static let vwap = StatType(rawValue: 13)
    public static let upperPriceLimit = StatType(rawValue: 17)
    public static let lowerPriceLimit = StatType(rawValue: 18)
}

/// StatusMsg.action (spec §8.1).
public struct StatusAction: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = StatusAction(rawValue: 0)
    public static let preOpen = StatusAction(rawValue: 1)
    public static let preCross = StatusAction(rawValue: 2)
    public static let quoting = StatusAction(rawValue: 3)
    public static let cross = StatusAction(rawValue: 4)
    public static let trading = StatusAction(rawValue: 7)
    public static let halt = StatusAction(rawValue: 8)
    public static let pause = StatusAction(rawValue: 9)
    public static let suspend = StatusAction(rawValue: 10)
    public static let preClose = StatusAction(rawValue: 11)
    public static let close = StatusAction(rawValue: 12)
    public static let postClose = StatusAction(rawValue: 13)
    public static let notAvailableForTrading = StatusAction(rawValue: 15)
}

/// StatusMsg.reason (spec §8.2): the values a futures feed uses.
public struct StatusReason: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = StatusReason(rawValue: 0)
    public static let scheduled = StatusReason(rawValue: 1)
    public static let surveillanceIntervention = StatusReason(rawValue: 2)
    public static let marketEvent = StatusReason(rawValue: 3)
    public static let instrumentActivation = StatusReason(rawValue: 4)
    public static let instrumentExpiration = StatusReason(rawValue: 5)
    public static let recoveryInProcess = StatusReason(rawValue: 6)
    public static let regulatory = StatusReason(rawValue: 10)
    public static let administrative = StatusReason(rawValue: 11)
    public static let operational = StatusReason(rawValue: 60)
}

/// StatusMsg.trading_event (spec §8.3).
public struct TradingEvent: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = TradingEvent(rawValue: 0)
    public static let noCancel = TradingEvent(rawValue: 1)
    public static let changeTradingSession = TradingEvent(rawValue: 2)
    public static let impliedMatchingOn = TradingEvent(rawValue: 3)
    public static let impliedMatchingOff = TradingEvent(rawValue: 4)
}

/// SystemMsg.code (spec §10.2).
public struct SystemCode: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let heartbeat = SystemCode(rawValue: 0)
    public static let subscriptionAck = SystemCode(rawValue: 1)
    public static let slowReaderWarning = SystemCode(rawValue: 2)
    public static let replayCompleted = SystemCode(rawValue: 3)
    public static let endOfInterval = SystemCode(rawValue: 4)
    public static let unset = SystemCode(rawValue: 255)
}

/// ErrorMsg.code (spec §10.1).
public struct ErrorCode: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let internalError = ErrorCode(rawValue: 6)
    public static let skippedRecordsAfterSlowReading = ErrorCode(rawValue: 7)
    public static let unset = ErrorCode(rawValue: 255)
}
