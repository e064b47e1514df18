/// Order-book and trade records: MBO, trades, MBP-1 and MBP-10 (spec §6.1–6.5).

/// Market by order, one order event (rtype 0xA0, 56 bytes).
///
/// | off | size | field | | off | size | field |
/// |---|---|---|---|---|---|---|
/// | 0 | 16 | header | | 38 | 1 | action |
/// | 16 | 8 | order_id | | 39 | 1 | side |
/// | 24 | 8 | price | | 40 | 8 | ts_recv |
/// | 32 | 4 | size | | 48 | 4 | ts_in_delta |
/// | 36 | 1 | flags | | 52 | 4 | sequence |
/// | 37 | 1 | channel_id | | | | |
public struct MboMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .mbo }
    public var header: RecordHeader
    public var orderID: UInt64
    public var price: Int64
    public var size: UInt32
    public var flags: RecordFlags
    public var channelID: UInt8
    public var action: Action
    public var side: Side
    public var tsRecv: UInt64
    public var tsInDelta: Int32
    public var sequence: UInt32

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, orderID: UInt64, price: Int64,
                size: UInt32, flags: RecordFlags, channelID: UInt8 = .max, action: Action, side: Side,
                tsRecv: UInt64, tsInDelta: Int32 = 0, sequence: UInt32 = 0) {
        header = RecordHeader(for: MboMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.orderID = orderID
        self.price = price
        self.size = size
        self.flags = flags
        self.channelID = channelID
        self.action = action
        self.side = side
        self.tsRecv = tsRecv
        self.tsInDelta = tsInDelta
        self.sequence = sequence
    }
}

/// A trade, schema `trades` (rtype 0x00, 48 bytes). Field order after `price` differs from MBO.
///
/// | off | size | field | | off | size | field |
/// |---|---|---|---|---|---|---|
/// | 0 | 16 | header | | 30 | 1 | flags |
/// | 16 | 8 | price | | 31 | 1 | depth |
/// | 24 | 4 | size | | 32 | 8 | ts_recv |
/// | 28 | 1 | action ('T') | | 40 | 4 | ts_in_delta |
/// | 29 | 1 | side (aggressor) | | 44 | 4 | sequence |
public struct TradeMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .mbp0 }
    public var header: RecordHeader
    public var price: Int64
    public var size: UInt32
    public var action: Action
    public var side: Side
    public var flags: RecordFlags
    public var depth: UInt8
    public var tsRecv: UInt64
    public var tsInDelta: Int32
    public var sequence: UInt32

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, price: Int64, size: UInt32,
                side: Side, flags: RecordFlags, depth: UInt8 = 0, tsRecv: UInt64, tsInDelta: Int32 = 0,
                sequence: UInt32 = 0) {
        header = RecordHeader(for: TradeMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.price = price
        self.size = size
        self.action = .trade
        self.side = side
        self.flags = flags
        self.depth = depth
        self.tsRecv = tsRecv
        self.tsInDelta = tsInDelta
        self.sequence = sequence
    }

    /// Bytes 16–47 (price … sequence) are laid out exactly as a `BookEvent` (checked by the
    /// tests), so a trade can be written in place from one.
    public static let eventOffset = 16
}

/// One book level: best-first index i in MBP-1/MBP-10 (32 bytes). An empty side has
/// `undefPrice`, size 0 and count 0.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 8 | bid_px |
/// | 8 | 8 | ask_px |
/// | 16 | 4 | bid_sz |
/// | 20 | 4 | ask_sz |
/// | 24 | 4 | bid_ct |
/// | 28 | 4 | ask_ct |
public struct BidAskPair: Sendable, BitwiseCopyable, Equatable {
    public var bidPx: Int64
    public var askPx: Int64
    public var bidSz: UInt32
    public var askSz: UInt32
    public var bidCt: UInt32
    public var askCt: UInt32

    @inlinable
    public init(bidPx: Int64 = undefPrice, askPx: Int64 = undefPrice, bidSz: UInt32 = 0, askSz: UInt32 = 0,
                bidCt: UInt32 = 0, askCt: UInt32 = 0) {
        self.bidPx = bidPx
        self.askPx = askPx
        self.bidSz = bidSz
        self.askSz = askSz
        self.bidCt = bidCt
        self.askCt = askCt
    }

    /// Both sides empty.
    @inlinable public static var empty: BidAskPair { BidAskPair() }
}

/// The event fields shared by MBP-1 and MBP-10 (bytes 16–47, as in TradeMsg).
public struct BookEvent: Sendable, BitwiseCopyable, Equatable {
    public var price: Int64
    public var size: UInt32
    public var action: Action
    public var side: Side
    public var flags: RecordFlags
    /// Level index of the change, 0-based.
    public var depth: UInt8
    public var tsRecv: UInt64
    public var tsInDelta: Int32
    public var sequence: UInt32

    @inlinable
    public init(price: Int64, size: UInt32, action: Action, side: Side, flags: RecordFlags, depth: UInt8,
                tsRecv: UInt64, tsInDelta: Int32 = 0, sequence: UInt32 = 0) {
        self.price = price
        self.size = size
        self.action = action
        self.side = side
        self.flags = flags
        self.depth = depth
        self.tsRecv = tsRecv
        self.tsInDelta = tsInDelta
        self.sequence = sequence
    }
}

/// Top of book after one book event (rtype 0x01, 80 bytes): bytes 0–47 as TradeMsg, then level 0.
public struct Mbp1Msg: DBNRecord, Equatable {
    public static var defaultRType: RType { .mbp1 }
    public var header: RecordHeader
    public var event: BookEvent
    public var level: BidAskPair

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, event: BookEvent,
                level: BidAskPair) {
        header = RecordHeader(for: Mbp1Msg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.event = event
        self.level = level
    }

    /// Byte offsets of `event` and `level` (DBN layout; checked against MemoryLayout by the tests),
    /// for building the record in place.
    public static let eventOffset = 16
    public static let levelOffset = 48
}

/// Ten levels of book after one book event (rtype 0x0A, 368 bytes): bytes 0–47 as TradeMsg, then
/// `levels[i]` at 48 + 32·i.
public struct Mbp10Msg: DBNRecord, Equatable {
    public static var defaultRType: RType { .mbp10 }
    public var header: RecordHeader
    public var event: BookEvent
    public var levels: InlineArray<10, BidAskPair>

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, event: BookEvent,
                levels: InlineArray<10, BidAskPair> = .init(repeating: .empty)) {
        header = RecordHeader(for: Mbp10Msg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.event = event
        self.levels = levels
    }

    public static func == (lhs: Mbp10Msg, rhs: Mbp10Msg) -> Bool { lhs.hasSameBytes(as: rhs) }

    /// Byte offsets of `event` and `levels` (DBN layout; checked against MemoryLayout by the tests),
    /// for building the record in place.
    public static let eventOffset = 16
    public static let levelsOffset = 48
}

/// An OHLCV bar (rtypes 0x20–0x24, 56 bytes; 0x11 is the read-only legacy type).
/// `ts_event` is the inclusive start of the bar; bars are built from trades only.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 16 | header |
/// | 16 | 8 | open |
/// | 24 | 8 | high |
/// | 32 | 8 | low |
/// | 40 | 8 | close |
/// | 48 | 8 | volume |
public struct OhlcvMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .ohlcv1S }
    @inlinable public static func accepts(_ rtype: RType) -> Bool {
        rtype == .ohlcvDeprecated || (rtype.rawValue >= 0x20 && rtype.rawValue <= 0x24)
    }
    public var header: RecordHeader
    public var open: Int64
    public var high: Int64
    public var low: Int64
    public var close: Int64
    public var volume: UInt64

    @inlinable
    public init(rtype: RType, publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, open: Int64,
                high: Int64, low: Int64, close: Int64, volume: UInt64) {
        precondition(OhlcvMsg.accepts(rtype) && rtype != .ohlcvDeprecated, "not an OHLCV rtype: \(rtype)")
        header = RecordHeader(for: OhlcvMsg.self, rtype: rtype, publisherID: publisherID,
                              instrumentID: instrumentID, tsEvent: tsEvent)
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
