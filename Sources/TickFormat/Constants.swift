/// DBN v3 constants and the small value types that appear inside records.
///
/// Every type that is stored in a record is a `RawRepresentable` struct over its wire integer, never
/// a Swift `enum`: records are read in place from untrusted bytes, and a struct can hold any bit
/// pattern a file contains, where an enum with an undeclared raw value would be undefined behaviour.

/// The DBN version this library writes and the only one it reads.
@inlinable public var dbnVersion: UInt8 { 3 }
/// Fixed-point price scale: one price unit is 1e-9.
@inlinable public var fixedPriceScale: Int64 { 1_000_000_000 }
/// Price with no value (`i64::MAX`).
@inlinable public var undefPrice: Int64 { .max }
/// Size with no value (`u32::MAX`).
@inlinable public var undefOrderSize: UInt32 { .max }
/// `StatMsg.quantity` with no value (`i64::MAX` in v3).
@inlinable public var undefStatQuantity: Int64 { .max }
/// Timestamp with no value (`u64::MAX`).
@inlinable public var undefTimestamp: UInt64 { .max }
/// Width of every symbol string in the v2/v3 metadata header.
public let symbolCStrLen = 71
/// The longest record DBN defines (InstrumentDefMsg with ts_out).
public let maxRecordLength = 528

/// Record type, the second byte of every record header (spec §4.2).
public struct RType: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var mbp0: RType { RType(rawValue: 0x00) }
    @inlinable public static var mbp1: RType { RType(rawValue: 0x01) }
    @inlinable public static var mbp10: RType { RType(rawValue: 0x0A) }
    @inlinable public static var ohlcvDeprecated: RType { RType(rawValue: 0x11) }
    @inlinable public static var status: RType { RType(rawValue: 0x12) }
    @inlinable public static var instrumentDef: RType { RType(rawValue: 0x13) }
    @inlinable public static var imbalance: RType { RType(rawValue: 0x14) }
    @inlinable public static var error: RType { RType(rawValue: 0x15) }
    @inlinable public static var symbolMapping: RType { RType(rawValue: 0x16) }
    @inlinable public static var system: RType { RType(rawValue: 0x17) }
    @inlinable public static var statistics: RType { RType(rawValue: 0x18) }
    @inlinable public static var ohlcv1S: RType { RType(rawValue: 0x20) }
    @inlinable public static var ohlcv1M: RType { RType(rawValue: 0x21) }
    @inlinable public static var ohlcv1H: RType { RType(rawValue: 0x22) }
    @inlinable public static var ohlcv1D: RType { RType(rawValue: 0x23) }
    @inlinable public static var ohlcvEod: RType { RType(rawValue: 0x24) }
    @inlinable public static var mbo: RType { RType(rawValue: 0xA0) }
    @inlinable public static var cmbp1: RType { RType(rawValue: 0xB1) }
    @inlinable public static var cbbo1S: RType { RType(rawValue: 0xC0) }
    @inlinable public static var cbbo1M: RType { RType(rawValue: 0xC1) }
    @inlinable public static var tcbbo: RType { RType(rawValue: 0xC2) }
    @inlinable public static var bbo1S: RType { RType(rawValue: 0xC3) }
    @inlinable public static var bbo1M: RType { RType(rawValue: 0xC4) }

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

    @inlinable public static var mbo: Schema { Schema(rawValue: 0) }
    @inlinable public static var mbp1: Schema { Schema(rawValue: 1) }
    @inlinable public static var mbp10: Schema { Schema(rawValue: 2) }
    @inlinable public static var tbbo: Schema { Schema(rawValue: 3) }
    @inlinable public static var trades: Schema { Schema(rawValue: 4) }
    @inlinable public static var ohlcv1S: Schema { Schema(rawValue: 5) }
    @inlinable public static var ohlcv1M: Schema { Schema(rawValue: 6) }
    @inlinable public static var ohlcv1H: Schema { Schema(rawValue: 7) }
    @inlinable public static var ohlcv1D: Schema { Schema(rawValue: 8) }
    @inlinable public static var definition: Schema { Schema(rawValue: 9) }
    @inlinable public static var statistics: Schema { Schema(rawValue: 10) }
    @inlinable public static var status: Schema { Schema(rawValue: 11) }
    @inlinable public static var imbalance: Schema { Schema(rawValue: 12) }
    @inlinable public static var ohlcvEod: Schema { Schema(rawValue: 13) }
    @inlinable public static var mixed: Schema { Schema(rawValue: 0xFFFF) }

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
    @inlinable public static var instrumentID: SType { SType(rawValue: 0) }
    @inlinable public static var rawSymbol: SType { SType(rawValue: 1) }
    @inlinable public static var none: SType { SType(rawValue: 0xFF) }
}

/// Record flags (spec §5.4).
public struct RecordFlags: OptionSet, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Last record of one exchange event for this instrument: the book is consistent after it.
    @inlinable public static var last: RecordFlags { RecordFlags(rawValue: 0x80) }
    /// Top-of-book record, not an individual order.
    @inlinable public static var tob: RecordFlags { RecordFlags(rawValue: 0x40) }
    /// Rebuilt from a snapshot, not the live stream.
    @inlinable public static var snapshot: RecordFlags { RecordFlags(rawValue: 0x20) }
    /// Aggregated price-level record.
    @inlinable public static var mbp: RecordFlags { RecordFlags(rawValue: 0x10) }
    /// `ts_recv` is not trustworthy.
    @inlinable public static var badTsRecv: RecordFlags { RecordFlags(rawValue: 0x08) }
    /// An unrecovered gap: the book may be wrong.
    @inlinable public static var maybeBadBook: RecordFlags { RecordFlags(rawValue: 0x04) }
    /// Venue-specific meaning.
    @inlinable public static var publisherSpecific: RecordFlags { RecordFlags(rawValue: 0x02) }
}

/// Book action (spec §5.5), one ASCII byte.
public struct Action: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var add: Action { Action(rawValue: UInt8(ascii: "A")) }
    @inlinable public static var cancel: Action { Action(rawValue: UInt8(ascii: "C")) }
    @inlinable public static var modify: Action { Action(rawValue: UInt8(ascii: "M")) }
    @inlinable public static var clear: Action { Action(rawValue: UInt8(ascii: "R")) }
    @inlinable public static var trade: Action { Action(rawValue: UInt8(ascii: "T")) }
    @inlinable public static var fill: Action { Action(rawValue: UInt8(ascii: "F")) }
    @inlinable public static var none: Action { Action(rawValue: UInt8(ascii: "N")) }
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// Book side or trade aggressor (spec §5.5), one ASCII byte.
public struct Side: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var ask: Side { Side(rawValue: UInt8(ascii: "A")) }
    @inlinable public static var bid: Side { Side(rawValue: UInt8(ascii: "B")) }
    @inlinable public static var none: Side { Side(rawValue: UInt8(ascii: "N")) }
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// Tri-state flag of StatusMsg: 'Y', 'N' or '~' (not available).
public struct TriState: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var yes: TriState { TriState(rawValue: UInt8(ascii: "Y")) }
    @inlinable public static var no: TriState { TriState(rawValue: UInt8(ascii: "N")) }
    @inlinable public static var notAvailable: TriState { TriState(rawValue: UInt8(ascii: "~")) }
    public var description: String { String(UnicodeScalar(rawValue)) }
}

/// StatMsg.stat_type (spec §7): the values a futures feed uses.
public struct StatType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var openingPrice: StatType { StatType(rawValue: 1) }
    @inlinable public static var indicativeOpeningPrice: StatType { StatType(rawValue: 2) }
    @inlinable public static var settlementPrice: StatType { StatType(rawValue: 3) }
    @inlinable public static var tradingSessionLowPrice: StatType { StatType(rawValue: 4) }
    @inlinable public static var tradingSessionHighPrice: StatType { StatType(rawValue: 5) }
    @inlinable public static var clearedVolume: StatType { StatType(rawValue: 6) }
    @inlinable public static var lowestOffer: StatType { StatType(rawValue: 7) }
    @inlinable public static var highestBid: StatType { StatType(rawValue: 8) }
    @inlinable public static var openInterest: StatType { StatType(rawValue: 9) }
    @inlinable public static var fixingPrice: StatType { StatType(rawValue: 10) }
    @inlinable public static var closePrice: StatType { StatType(rawValue: 11) }
    @inlinable public static var netChange: StatType { StatType(rawValue: 12) }
    @inlinable public static var vwap: StatType { StatType(rawValue: 13) }
    @inlinable public static var upperPriceLimit: StatType { StatType(rawValue: 17) }
    @inlinable public static var lowerPriceLimit: StatType { StatType(rawValue: 18) }
}

/// StatusMsg.action (spec §8.1).
public struct StatusAction: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var none: StatusAction { StatusAction(rawValue: 0) }
    @inlinable public static var preOpen: StatusAction { StatusAction(rawValue: 1) }
    @inlinable public static var preCross: StatusAction { StatusAction(rawValue: 2) }
    @inlinable public static var quoting: StatusAction { StatusAction(rawValue: 3) }
    @inlinable public static var cross: StatusAction { StatusAction(rawValue: 4) }
    @inlinable public static var trading: StatusAction { StatusAction(rawValue: 7) }
    @inlinable public static var halt: StatusAction { StatusAction(rawValue: 8) }
    @inlinable public static var pause: StatusAction { StatusAction(rawValue: 9) }
    @inlinable public static var suspend: StatusAction { StatusAction(rawValue: 10) }
    @inlinable public static var preClose: StatusAction { StatusAction(rawValue: 11) }
    @inlinable public static var close: StatusAction { StatusAction(rawValue: 12) }
    @inlinable public static var postClose: StatusAction { StatusAction(rawValue: 13) }
    @inlinable public static var notAvailableForTrading: StatusAction { StatusAction(rawValue: 15) }
}

/// StatusMsg.reason (spec §8.2): the values a futures feed uses.
public struct StatusReason: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var none: StatusReason { StatusReason(rawValue: 0) }
    @inlinable public static var scheduled: StatusReason { StatusReason(rawValue: 1) }
    @inlinable public static var surveillanceIntervention: StatusReason { StatusReason(rawValue: 2) }
    @inlinable public static var marketEvent: StatusReason { StatusReason(rawValue: 3) }
    @inlinable public static var instrumentActivation: StatusReason { StatusReason(rawValue: 4) }
    @inlinable public static var instrumentExpiration: StatusReason { StatusReason(rawValue: 5) }
    @inlinable public static var recoveryInProcess: StatusReason { StatusReason(rawValue: 6) }
    @inlinable public static var regulatory: StatusReason { StatusReason(rawValue: 10) }
    @inlinable public static var administrative: StatusReason { StatusReason(rawValue: 11) }
    @inlinable public static var operational: StatusReason { StatusReason(rawValue: 60) }
}

/// StatusMsg.trading_event (spec §8.3).
public struct TradingEvent: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var none: TradingEvent { TradingEvent(rawValue: 0) }
    @inlinable public static var noCancel: TradingEvent { TradingEvent(rawValue: 1) }
    @inlinable public static var changeTradingSession: TradingEvent { TradingEvent(rawValue: 2) }
    @inlinable public static var impliedMatchingOn: TradingEvent { TradingEvent(rawValue: 3) }
    @inlinable public static var impliedMatchingOff: TradingEvent { TradingEvent(rawValue: 4) }
}

/// SystemMsg.code (spec §10.2).
public struct SystemCode: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var heartbeat: SystemCode { SystemCode(rawValue: 0) }
    @inlinable public static var subscriptionAck: SystemCode { SystemCode(rawValue: 1) }
    @inlinable public static var slowReaderWarning: SystemCode { SystemCode(rawValue: 2) }
    @inlinable public static var replayCompleted: SystemCode { SystemCode(rawValue: 3) }
    @inlinable public static var endOfInterval: SystemCode { SystemCode(rawValue: 4) }
    @inlinable public static var unset: SystemCode { SystemCode(rawValue: 255) }
}

/// ErrorMsg.code (spec §10.1).
public struct ErrorCode: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static var internalError: ErrorCode { ErrorCode(rawValue: 6) }
    @inlinable public static var skippedRecordsAfterSlowReading: ErrorCode { ErrorCode(rawValue: 7) }
    @inlinable public static var unset: ErrorCode { ErrorCode(rawValue: 255) }
}
