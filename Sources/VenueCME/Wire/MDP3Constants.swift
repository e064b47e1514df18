/// MDP 3.0 constants: templates, enums and null values of the CME subset ComputeFeed uses
/// (specs/cme-mdp3.md §1, §4, §5).
public enum MDP3 {
    public static let schemaID: UInt16 = 1
    public static let version: UInt16 = 13
    /// Packet header: MsgSeqNum (u32) + SendingTime (u64).
    public static let packetHeaderSize = 12
    /// MsgSize (u16) + SBE header (blockLength, templateId, schemaId, version).
    public static let messageHeaderSize = 10
    /// The simulator's largest UDP payload (§1; decoders accept up to 65,507).
    public static let maxPayload = 1420

    public static let nullPrice: Int64 = .max
    public static let nullInt32: Int32 = .max
    public static let nullUInt32: UInt32 = .max
    public static let nullUInt64: UInt64 = .max
    public static let nullUInt8: UInt8 = .max
    public static let nullInt8: Int8 = .max
    public static let nullDate: UInt16 = .max
}

/// The templates of the subset; any other id is skipped by MsgSize.
public enum MDP3Template: UInt16, CaseIterable, Sendable {
    case channelReset = 4
    case adminHeartbeat = 12
    case securityStatus = 30
    case volume = 37
    case book = 46
    case orderBook = 47
    case tradeSummary = 48
    case dailyStatistics = 49
    case sessionStatistics = 51
    case snapshot = 52
    case snapshotOrderBook = 53
    case definition = 54

    /// The template with this id, if it is in the subset. An explicit switch the compiler inlines
    /// (`init(rawValue:)` is an out-of-line call, once per message on the hot path).
    @inlinable @inline(__always) public static func known(_ id: UInt16) -> MDP3Template? {
        switch id {
        case 4: .channelReset
        case 12: .adminHeartbeat
        case 30: .securityStatus
        case 37: .volume
        case 46: .book
        case 47: .orderBook
        case 48: .tradeSummary
        case 49: .dailyStatistics
        case 51: .sessionStatistics
        case 52: .snapshot
        case 53: .snapshotOrderBook
        case 54: .definition
        default: nil
        }
    }

    /// The v13 root block length the encoder writes.
    public var blockLength: Int {
        switch self {
        case .channelReset: 9
        case .adminHeartbeat: 0
        case .securityStatus: 30
        case .volume, .book, .orderBook, .tradeSummary, .dailyStatistics, .sessionStatistics: 11
        case .snapshot: 59
        case .snapshotOrderBook: 28
        case .definition: 224
        }
    }

    /// What validation checks of a message, from one switch (it runs once per message): the
    /// shortest root block the handler accepts (the fields it must have), the number of repeating
    /// groups, and whether group 1 has the 8-byte `groupSize8Byte` header (the `NoOrderIDEntries` of
    /// 46 and 48; every other group header is 3 bytes).
    @inlinable public var shape: (minimumRoot: Int, groups: Int, ordersGroup: Bool) {
        switch self {
        case .adminHeartbeat: (0, 0, false)
        case .securityStatus: (24, 0, false)
        case .book, .tradeSummary: (9, 2, true)
        case .channelReset, .volume, .orderBook, .dailyStatistics, .sessionStatistics: (9, 1, false)
        case .snapshot: (35, 1, false)
        case .snapshotOrderBook: (28, 1, false)
        case .definition: (59, 4, false)
        }
    }

    /// Number of repeating groups.
    @inlinable public var groupCount: Int { shape.groups }

    /// Dimension-header size of group `index`: 8 for the `NoOrderIDEntries` of 46 and 48, else 3.
    @inlinable public func groupHeaderSize(_ index: Int) -> Int { index == 1 && shape.ordersGroup ? 8 : 3 }
}

/// MatchEventIndicator bits (tag 5799).
public struct MatchEventIndicator: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let lastTradeMsg = MatchEventIndicator(rawValue: 0x01)
    public static let lastVolumeMsg = MatchEventIndicator(rawValue: 0x02)
    public static let lastQuoteMsg = MatchEventIndicator(rawValue: 0x04)
    public static let lastStatsMsg = MatchEventIndicator(rawValue: 0x08)
    public static let lastImpliedMsg = MatchEventIndicator(rawValue: 0x10)
    public static let recoveryMsg = MatchEventIndicator(rawValue: 0x20)
    public static let endOfEvent = MatchEventIndicator(rawValue: 0x80)
}

/// MDUpdateAction (tag 279).
public enum MDUpdateAction: UInt8, Sendable {
    case new = 0, change = 1, delete = 2, deleteThru = 3, deleteFrom = 4, overlay = 5
}

/// MDEntryType chars (tag 269).
public enum MDEntryType {
    public static let bid = UInt8(ascii: "0")
    public static let offer = UInt8(ascii: "1")
    public static let trade = UInt8(ascii: "2")
    public static let openPrice = UInt8(ascii: "4")
    public static let settlementPrice = UInt8(ascii: "6")
    public static let sessionHigh = UInt8(ascii: "7")
    public static let sessionLow = UInt8(ascii: "8")
    public static let vwap = UInt8(ascii: "9")
    public static let clearedVolume = UInt8(ascii: "B")
    public static let openInterest = UInt8(ascii: "C")
    public static let impliedBid = UInt8(ascii: "E")
    public static let impliedOffer = UInt8(ascii: "F")
    public static let bookReset = UInt8(ascii: "J")
    public static let sessionHighBid = UInt8(ascii: "N")
    public static let sessionLowOffer = UInt8(ascii: "O")
    public static let fixingPrice = UInt8(ascii: "W")
    public static let electronicVolume = UInt8(ascii: "e")
    public static let thresholdLimits = UInt8(ascii: "g")
    public static let marketBestOffer = UInt8(ascii: "w")
    public static let marketBestBid = UInt8(ascii: "x")
}

/// SecurityTradingStatus (tag 326 / 1682).
public enum SecurityTradingStatus {
    public static let tradingHalt: UInt8 = 2
    public static let close: UInt8 = 4
    public static let newPriceIndication: UInt8 = 15
    public static let readyToTrade: UInt8 = 17
    public static let notAvailableForTrading: UInt8 = 18
    public static let unknownOrInvalid: UInt8 = 20
    public static let preOpen: UInt8 = 21
    public static let preCross: UInt8 = 24
    public static let cross: UInt8 = 25
    public static let postClose: UInt8 = 26
    public static let noChange: UInt8 = 103
}

/// SecurityTradingEvent (tag 1174).
public enum SecurityTradingEvent {
    public static let noEvent: UInt8 = 0
    public static let noCancel: UInt8 = 1
    public static let resetStatistics: UInt8 = 4
    public static let impliedMatchingOn: UInt8 = 5
    public static let impliedMatchingOff: UInt8 = 6
}

/// AggressorSide (tag 5797).
public enum AggressorSide {
    public static let none: UInt8 = 0
    public static let buy: UInt8 = 1
    public static let sell: UInt8 = 2
}

/// SettlPriceType bits (tag 731).
public enum SettlPriceType {
    public static let finalDaily: UInt8 = 0x01
    public static let actual: UInt8 = 0x02
    public static let rounded: UInt8 = 0x04
    public static let intraday: UInt8 = 0x08
    public static let null: UInt8 = 0x80
}
