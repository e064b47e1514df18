/// Trading status and statistics records (spec §6.7, §6.9).

/// Trading status of an instrument (rtype 0x12, 40 bytes).
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 16 | header |
/// | 16 | 8 | ts_recv |
/// | 24 | 2 | action (StatusAction) |
/// | 26 | 2 | reason (StatusReason) |
/// | 28 | 2 | trading_event |
/// | 30 | 1 | is_trading (TriState) |
/// | 31 | 1 | is_quoting |
/// | 32 | 1 | is_short_sell_restricted ('~' for futures) |
/// | 33 | 7 | reserved, zero |
public struct StatusMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .status }
    public var header: RecordHeader
    public var tsRecv: UInt64
    public var action: StatusAction
    public var reason: StatusReason
    public var tradingEvent: TradingEvent
    public var isTrading: TriState
    public var isQuoting: TriState
    public var isShortSellRestricted: TriState
    public var reserved: InlineArray<7, UInt8>

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, tsRecv: UInt64,
                action: StatusAction, reason: StatusReason, tradingEvent: TradingEvent = .none,
                isTrading: TriState, isQuoting: TriState, isShortSellRestricted: TriState = .notAvailable) {
        header = RecordHeader(for: StatusMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.tsRecv = tsRecv
        self.action = action
        self.reason = reason
        self.tradingEvent = tradingEvent
        self.isTrading = isTrading
        self.isQuoting = isQuoting
        self.isShortSellRestricted = isShortSellRestricted
        self.reserved = .init(repeating: 0)
    }

    public static func == (lhs: StatusMsg, rhs: StatusMsg) -> Bool { lhs.hasSameBytes(as: rhs) }
}

/// A statistic: settlement, open interest, volume, open/high/low/close, limits (rtype 0x18, 80 bytes).
///
/// | off | size | field | | off | size | field |
/// |---|---|---|---|---|---|---|
/// | 0 | 16 | header | | 52 | 4 | ts_in_delta |
/// | 16 | 8 | ts_recv | | 56 | 2 | stat_type |
/// | 24 | 8 | ts_ref | | 58 | 2 | channel_id |
/// | 32 | 8 | price | | 60 | 1 | update_action (1 new, 2 delete) |
/// | 40 | 8 | quantity (i64 in v3) | | 61 | 1 | stat_flags |
/// | 48 | 4 | sequence | | 62 | 18 | reserved, zero |
public struct StatMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .statistics }
    public var header: RecordHeader
    public var tsRecv: UInt64
    public var tsRef: UInt64
    public var price: Int64
    public var quantity: Int64
    public var sequence: UInt32
    public var tsInDelta: Int32
    public var statType: StatType
    public var channelID: UInt16
    public var updateAction: UInt8
    public var statFlags: UInt8
    public var reserved: InlineArray<18, UInt8>

    /// `update_action` values.
    @inlinable public static var updateNew: UInt8 { 1 }
    @inlinable public static var updateDelete: UInt8 { 2 }
    /// ComputeFeed's `stat_flags` bit for a final (official) settlement price.
    @inlinable public static var settlementFinal: UInt8 { 0x01 }

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, tsRecv: UInt64,
                tsRef: UInt64 = undefTimestamp, price: Int64 = undefPrice, quantity: Int64 = undefStatQuantity,
                sequence: UInt32 = 0, tsInDelta: Int32 = 0, statType: StatType, channelID: UInt16 = .max,
                updateAction: UInt8 = StatMsg.updateNew, statFlags: UInt8 = 0) {
        header = RecordHeader(for: StatMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.tsRecv = tsRecv
        self.tsRef = tsRef
        self.price = price
        self.quantity = quantity
        self.sequence = sequence
        self.tsInDelta = tsInDelta
        self.statType = statType
        self.channelID = channelID
        self.updateAction = updateAction
        self.statFlags = statFlags
        self.reserved = .init(repeating: 0)
    }

    public static func == (lhs: StatMsg, rhs: StatMsg) -> Bool { lhs.hasSameBytes(as: rhs) }
}
