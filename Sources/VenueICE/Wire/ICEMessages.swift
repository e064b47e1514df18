/// The iMpact 1.1.51 messages this project uses (specs/ice-impact.md §6), as values: decoded from a
/// message body (bounds checked once: the body must hold the fields the handler needs; later
/// fields are read only when the body has them) and encoded at their full 1.1.51 length.
///
/// Prices stay in the wire's units (value / 10^DealPriceDenominator); `ICEMapping` converts them.
///
/// The decoders of the live channel's frequent messages (`E`, `F`, `G` trade, `T` bundle marker)
/// are `@inline(__always)`, inlined into the handler's message switch: out of line, decoding cost
/// about 50 M instructions per ICE benchmark run (of 566 M).
public protocol ICEMessageBody: Sendable, Equatable {
    static var type: UInt8 { get }
    /// BodyLength in iMpact 1.1.51 (what the encoder writes).
    static var bodyLength: Int { get }
    /// The shortest body the handler accepts.
    static var minimumLength: Int { get }
    init?(body: UnsafeRawBufferPointer)
    func encode(into w: inout BigEndianWriter)
}

extension ICEMessageBody {
    /// The framed message: type, BodyLength, body.
    public var framed: [UInt8] {
        var w = BigEndianWriter(capacity: Self.bodyLength)
        encode(into: &w)
        precondition(w.bytes.count == Self.bodyLength, "\(Self.self) encoded \(w.bytes.count) bytes")
        return ICEPacket.frame(Self.type, w.bytes)
    }
}


/// `E` Add Or Modify Order (body 58) and `D` Market Snapshot Order (body 41) share their first 37 bytes.
public struct ICEOrderFields: Sendable, Equatable {
    public var marketID: Int32 = 0
    public var orderID: Int64 = 0
    public var orderSequenceID: Int16 = 0
    /// `1` bid, `2` offer.
    public var side: UInt8 = UInt8(ascii: "1")
    public var price: Int64 = 0
    public var quantity: Int32 = 0
    public var isImplied: UInt8 = UInt8(ascii: "N")
    public var isRFQ: UInt8 = UInt8(ascii: "N")
    public var orderEntryDateTimeMs: Int64 = 0
    public init() {}

    var isBid: Bool { side == UInt8(ascii: "1") }

    @inline(__always) init(_ r: BigEndian, count: Int) {
        marketID = r.i32(0)
        orderID = r.i64(4)
        orderSequenceID = r.i16(12)
        side = r.u8(14)
        price = r.i64(15)
        quantity = r.i32(23)
        isImplied = r.u8(27)
        if count >= 29 { isRFQ = r.u8(28) }
        if count >= 37 { orderEntryDateTimeMs = r.i64(29) }
    }

    func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i64(orderID)
        w.i16(orderSequenceID)
        w.u8(side)
        w.i64(price)
        w.i32(quantity)
        w.u8(isImplied)
        w.u8(isRFQ)
        w.i64(orderEntryDateTimeMs)
    }
}

public struct ICEAddOrModifyOrder: ICEMessageBody {
    public static let type = UInt8(ascii: "E")
    public static let bodyLength = 58
    public static let minimumLength = 28
    public static let isModifyOrder: UInt8 = 0x80
    public var order = ICEOrderFields()
    public var modifyFlags: UInt8 = 0
    public var sequenceWithinMillis: Int32 = 0
    public var modificationTimestampNs: Int64 = 0
    public var requestReceivedNs: Int64 = 0
    public init() {}

    @inline(__always) public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        order = ICEOrderFields(r, count: body.count)
        if body.count >= 38 { modifyFlags = r.u8(37) }
        if body.count >= 42 { sequenceWithinMillis = r.i32(38) }
        if body.count >= 50 { modificationTimestampNs = r.i64(42) }
        if body.count >= 58 { requestReceivedNs = r.i64(50) }
    }

    public func encode(into w: inout BigEndianWriter) {
        order.encode(into: &w)
        w.u8(modifyFlags)
        w.i32(sequenceWithinMillis)
        w.i64(modificationTimestampNs)
        w.i64(requestReceivedNs)
    }
}

public struct ICESnapshotOrder: ICEMessageBody {
    public static let type = UInt8(ascii: "D")
    public static let bodyLength = 41
    public static let minimumLength = 28
    public var order = ICEOrderFields()
    public var sequenceWithinMillis: Int32 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        order = ICEOrderFields(r, count: body.count)
        if body.count >= 41 { sequenceWithinMillis = r.i32(37) }
    }

    public func encode(into w: inout BigEndianWriter) {
        order.encode(into: &w)
        w.i32(sequenceWithinMillis)
    }
}

public struct ICEDeleteOrder: ICEMessageBody {
    public static let type = UInt8(ascii: "F")
    public static let bodyLength = 32
    public static let minimumLength = 12
    public var marketID: Int32 = 0
    public var orderID: Int64 = 0
    public var messageDateTimeMs: Int64 = 0
    public var sequenceWithinMillis: Int32 = 0
    public var requestReceivedNs: Int64 = 0
    public init() {}

    @inline(__always) public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        orderID = r.i64(4)
        if body.count >= 20 { messageDateTimeMs = r.i64(12) }
        if body.count >= 24 { sequenceWithinMillis = r.i32(20) }
        if body.count >= 32 { requestReceivedNs = r.i64(24) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i64(orderID)
        w.i64(messageDateTimeMs)
        w.i32(sequenceWithinMillis)
        w.i64(requestReceivedNs)
    }
}

public struct ICETrade: ICEMessageBody {
    public static let type = UInt8(ascii: "G")
    public static let bodyLength = 54
    public static let minimumLength = 25
    public var marketID: Int32 = 0
    public var tradeID: Int64 = 0
    public var isSystemPricedLeg: UInt8 = UInt8(ascii: "N")
    public var price: Int64 = 0
    public var quantity: Int32 = 0
    public var oldOffMarketTradeType: UInt8 = UInt8(ascii: " ")
    public var transactDateTimeMs: Int64 = 0
    public var systemPricedLegType: UInt8 = UInt8(ascii: " ")
    public var isImpliedSpreadAtMarketOpen: UInt8 = UInt8(ascii: "N")
    public var isAdjustedTrade: UInt8 = UInt8(ascii: "N")
    /// ` ` none, `1` buy, `2` sell.
    public var aggressorSide: UInt8 = UInt8(ascii: " ")
    public var tradeFlags: UInt8 = 0
    public var offMarketTradeType = Alpha3(UInt8(ascii: " "), 0, 0)
    public var sequenceWithinMillis: Int32 = 0
    public var requestReceivedNs: Int64 = 0
    public init() {}

    @inline(__always) public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        tradeID = r.i64(4)
        isSystemPricedLeg = r.u8(12)
        price = r.i64(13)
        quantity = r.i32(21)
        if body.count >= 26 { oldOffMarketTradeType = r.u8(25) }
        if body.count >= 34 { transactDateTimeMs = r.i64(26) }
        if body.count >= 39 {
            systemPricedLegType = r.u8(34)
            isImpliedSpreadAtMarketOpen = r.u8(35)
            isAdjustedTrade = r.u8(36)
            aggressorSide = r.u8(37)
            tradeFlags = r.u8(38)
        }
        if body.count >= 42 { offMarketTradeType = Alpha3(r.u8(39), r.u8(40), r.u8(41)) }
        if body.count >= 46 { sequenceWithinMillis = r.i32(42) }
        if body.count >= 54 { requestReceivedNs = r.i64(46) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i64(tradeID)
        w.u8(isSystemPricedLeg)
        w.i64(price)
        w.i32(quantity)
        w.u8(oldOffMarketTradeType)
        w.i64(transactDateTimeMs)
        w.u8(systemPricedLegType)
        w.u8(isImpliedSpreadAtMarketOpen)
        w.u8(isAdjustedTrade)
        w.u8(aggressorSide)
        w.u8(tradeFlags)
        w.u8(offMarketTradeType.a)
        w.u8(offMarketTradeType.b)
        w.u8(offMarketTradeType.c)
        w.i32(sequenceWithinMillis)
        w.i64(requestReceivedNs)
    }
}

public struct ICEMarketSnapshot: ICEMessageBody {
    public static let type = UInt8(ascii: "C")
    public static let bodyLength = 133
    public static let minimumLength = 103
    public var marketID: Int32 = 0
    public var marketType: Int16 = 0
    public var tradingStatus: UInt8 = UInt8(ascii: "O")
    public var volume: Int32 = 0
    public var blockVolume: Int32 = 0
    public var efsVolume: Int32 = 0
    public var efpVolume: Int32 = 0
    public var openInterest: Int32 = 0
    public var openingPrice: Int64 = 0
    public var settlementPriceWithDealPricePrecision: Int64 = 0
    public var high: Int64 = 0
    public var low: Int64 = 0
    public var vwap: Int64 = 0
    public var numOfBookEntries: Int32 = 0
    public var lastTradePrice: Int64 = 0
    public var lastTradeQuantity: Int32 = 0
    public var lastTradeDateTimeMs: Int64 = 0
    public var settlePriceDateTimeMs: Int64 = 0
    public var lastMessageSequenceID: Int32 = 0
    /// `YYYYMMDD`, 0 when absent.
    public var openInterestDate: UInt32 = 0
    public var isSettlePriceOfficial: UInt8 = UInt8(ascii: "N")
    public var settlementPrice: Int64 = 0
    public var hasPreviousDaySettlementPrice: UInt8 = UInt8(ascii: "N")
    public var previousDaySettlementPrice: Int64 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        marketType = r.i16(4)
        tradingStatus = r.u8(6)
        volume = r.i32(7)
        blockVolume = r.i32(11)
        efsVolume = r.i32(15)
        efpVolume = r.i32(19)
        openInterest = r.i32(23)
        openingPrice = r.i64(27)
        settlementPriceWithDealPricePrecision = r.i64(35)
        high = r.i64(43)
        low = r.i64(51)
        vwap = r.i64(59)
        numOfBookEntries = r.i32(67)
        lastTradePrice = r.i64(71)
        lastTradeQuantity = r.i32(79)
        lastTradeDateTimeMs = r.i64(83)
        settlePriceDateTimeMs = r.i64(91)
        lastMessageSequenceID = r.i32(99)
        if body.count >= 115 { openInterestDate = ICEDate.parse(UnsafeRawBufferPointer(rebasing: body[105..<115])) }
        if body.count >= 116 { isSettlePriceOfficial = r.u8(115) }
        if body.count >= 124 { settlementPrice = r.i64(116) }
        if body.count >= 133 {
            hasPreviousDaySettlementPrice = r.u8(124)
            previousDaySettlementPrice = r.i64(125)
        }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i16(marketType)
        w.u8(tradingStatus)
        for v in [volume, blockVolume, efsVolume, efpVolume, openInterest] { w.i32(v) }
        for v in [openingPrice, settlementPriceWithDealPricePrecision, high, low, vwap] { w.i64(v) }
        w.i32(numOfBookEntries)
        w.i64(lastTradePrice)
        w.i32(lastTradeQuantity)
        w.i64(lastTradeDateTimeMs)
        w.i64(settlePriceDateTimeMs)
        w.i32(lastMessageSequenceID)
        w.u16(0)
        w.alpha(ICEDate.format(openInterestDate), width: 10)
        w.u8(isSettlePriceOfficial)
        w.i64(settlementPrice)
        w.u8(hasPreviousDaySettlementPrice)
        w.i64(previousDaySettlementPrice)
    }
}

public struct ICEMarketStateChange: ICEMessageBody {
    public static let type = UInt8(ascii: "K")
    public static let bodyLength = 13
    public static let minimumLength = 5
    public var marketID: Int32 = 0
    public var tradingStatus: UInt8 = UInt8(ascii: "O")
    public var messageDateTimeMs: Int64 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        tradingStatus = r.u8(4)
        if body.count >= 13 { messageDateTimeMs = r.i64(5) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.u8(tradingStatus)
        w.i64(messageDateTimeMs)
    }
}

public struct ICEMarketStatistics: ICEMessageBody {
    public static let type = UInt8(ascii: "J")
    public static let bodyLength = 52
    public static let minimumLength = 44
    public var marketID: Int32 = 0
    public var volume: Int32 = 0
    public var blockVolume: Int32 = 0
    public var efsVolume: Int32 = 0
    public var efpVolume: Int32 = 0
    public var high: Int64 = 0
    public var low: Int64 = 0
    public var vwap: Int64 = 0
    public var messageDateTimeMs: Int64 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        volume = r.i32(4)
        blockVolume = r.i32(8)
        efsVolume = r.i32(12)
        efpVolume = r.i32(16)
        high = r.i64(20)
        low = r.i64(28)
        vwap = r.i64(36)
        if body.count >= 52 { messageDateTimeMs = r.i64(44) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        for v in [volume, blockVolume, efsVolume, efpVolume] { w.i32(v) }
        for v in [high, low, vwap, messageDateTimeMs] { w.i64(v) }
    }
}

/// `N` Open Price and `c` Close Price (body 20).
public struct ICEOpenOrClosePrice: Sendable, Equatable {
    public var marketID: Int32 = 0
    public var price: Int64 = 0
    public var messageDateTimeMs: Int64 = 0
    public init() {}

    init?(body: UnsafeRawBufferPointer) {
        guard body.count >= 12 else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        price = r.i64(4)
        if body.count >= 20 { messageDateTimeMs = r.i64(12) }
    }

    func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i64(price)
        w.i64(messageDateTimeMs)
    }
}

public struct ICEOpenPrice: ICEMessageBody {
    public static let type = UInt8(ascii: "N")
    public static let bodyLength = 20
    public static let minimumLength = 12
    public var fields = ICEOpenOrClosePrice()
    public init() {}
    public init?(body: UnsafeRawBufferPointer) { guard let f = ICEOpenOrClosePrice(body: body) else { return nil }; fields = f }
    public func encode(into w: inout BigEndianWriter) { fields.encode(into: &w) }
}

public struct ICEClosePrice: ICEMessageBody {
    public static let type = UInt8(ascii: "c")
    public static let bodyLength = 20
    public static let minimumLength = 12
    public var fields = ICEOpenOrClosePrice()
    public init() {}
    public init?(body: UnsafeRawBufferPointer) { guard let f = ICEOpenOrClosePrice(body: body) else { return nil }; fields = f }
    public func encode(into w: inout BigEndianWriter) { fields.encode(into: &w) }
}

public struct ICESettlementPrice: ICEMessageBody {
    public static let type = UInt8(ascii: "O")
    public static let bodyLength = 37
    public static let minimumLength = 21
    public var marketID: Int32 = 0
    public var settlementPriceWithDealPricePrecision: Int64 = 0
    public var messageDateTimeMs: Int64 = 0
    public var isOfficial: UInt8 = UInt8(ascii: "N")
    public var valuationDateTimeMs: Int64 = 0
    public var settlementPrice: Int64 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        settlementPriceWithDealPricePrecision = r.i64(4)
        messageDateTimeMs = r.i64(12)
        isOfficial = r.u8(20)
        if body.count >= 29 { valuationDateTimeMs = r.i64(21) }
        if body.count >= 37 { settlementPrice = r.i64(29) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i64(settlementPriceWithDealPricePrecision)
        w.i64(messageDateTimeMs)
        w.u8(isOfficial)
        w.i64(valuationDateTimeMs)
        w.i64(settlementPrice)
    }
}

public struct ICEOpenInterest: ICEMessageBody {
    public static let type = UInt8(ascii: "M")
    public static let bodyLength = 30
    public static let minimumLength = 12
    public var marketID: Int32 = 0
    public var openInterest: Int32 = 0
    public var openInterestChange: Int32 = 0
    public var messageDateTimeMs: Int64 = 0
    /// `YYYYMMDD`, 0 when absent.
    public var openInterestDate: UInt32 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        openInterest = r.i32(4)
        openInterestChange = r.i32(8)
        if body.count >= 20 { messageDateTimeMs = r.i64(12) }
        if body.count >= 30 { openInterestDate = ICEDate.parse(UnsafeRawBufferPointer(rebasing: body[20..<30])) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.i32(openInterest)
        w.i32(openInterestChange)
        w.i64(messageDateTimeMs)
        w.alpha(ICEDate.format(openInterestDate), width: 10)
    }
}

public struct ICEBundleMarker: ICEMessageBody {
    public static let type = UInt8(ascii: "T")
    public static let bodyLength = 10
    public static let minimumLength = 1
    /// `S` start, `E` end.
    public var startOrEnd: UInt8 = UInt8(ascii: "S")
    public var tradeTransactionID: Int64 = 0
    public var isTransactionEnd: UInt8 = UInt8(ascii: " ")
    public init() {}

    public var isStart: Bool { startOrEnd == UInt8(ascii: "S") }

    @inline(__always) public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        startOrEnd = r.u8(0)
        if body.count >= 9 { tradeTransactionID = r.i64(1) }
        if body.count >= 10 { isTransactionEnd = r.u8(9) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.u8(startOrEnd)
        w.i64(tradeTransactionID)
        w.u8(isTransactionEnd)
    }
}

/// The price-level messages' common fields (`m`, `t`, `s`: 26 bytes).
public struct ICEPriceLevelFields: Sendable, Equatable {
    public var marketID: Int32 = 0
    public var side: UInt8 = UInt8(ascii: "1")
    /// 1 = best.
    public var position: Int8 = 1
    public var price: Int64 = 0
    public var quantity: Int32 = 0
    public var orderCount: Int16 = 0
    public var impliedQuantity: Int32 = 0
    public var impliedOrderCount: Int16 = 0
    public init() {}

    init(_ r: BigEndian) {
        marketID = r.i32(0)
        side = r.u8(4)
        position = Int8(bitPattern: r.u8(5))
        price = r.i64(6)
        quantity = r.i32(14)
        orderCount = r.i16(18)
        impliedQuantity = r.i32(20)
        impliedOrderCount = r.i16(24)
    }

    func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.u8(side)
        w.u8(UInt8(bitPattern: position))
        w.i64(price)
        w.i32(quantity)
        w.i16(orderCount)
        w.i32(impliedQuantity)
        w.i16(impliedOrderCount)
    }
}

public struct ICESnapshotPriceLevel: ICEMessageBody {
    public static let type = UInt8(ascii: "m")
    public static let bodyLength = 26
    public static let minimumLength = 26
    public var level = ICEPriceLevelFields()
    public init() {}
    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        level = ICEPriceLevelFields(BigEndian(body))
    }
    public func encode(into w: inout BigEndianWriter) { level.encode(into: &w) }
}

/// `t` Add Price Level and `s` Change Price Level (body 34): the level fields and a timestamp.
public struct ICEPriceLevelUpdate: Sendable, Equatable {
    public var level = ICEPriceLevelFields()
    public var timestampNs: Int64 = 0
    public init() {}
}

public struct ICEAddPriceLevel: ICEMessageBody {
    public static let type = UInt8(ascii: "t")
    public static let bodyLength = 34
    public static let minimumLength = 26
    public var update = ICEPriceLevelUpdate()
    public init() {}
    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        update.level = ICEPriceLevelFields(r)
        if body.count >= 34 { update.timestampNs = r.i64(26) }
    }
    public func encode(into w: inout BigEndianWriter) {
        update.level.encode(into: &w)
        w.i64(update.timestampNs)
    }
}

public struct ICEChangePriceLevel: ICEMessageBody {
    public static let type = UInt8(ascii: "s")
    public static let bodyLength = 34
    public static let minimumLength = 26
    public var update = ICEPriceLevelUpdate()
    public init() {}
    public init?(body: UnsafeRawBufferPointer) {
        guard let add = ICEAddPriceLevel(body: body) else { return nil }
        update = add.update
    }
    public func encode(into w: inout BigEndianWriter) {
        update.level.encode(into: &w)
        w.i64(update.timestampNs)
    }
}

public struct ICEDeletePriceLevel: ICEMessageBody {
    public static let type = UInt8(ascii: "r")
    public static let bodyLength = 14
    public static let minimumLength = 6
    public var marketID: Int32 = 0
    public var side: UInt8 = UInt8(ascii: "1")
    public var position: Int8 = 1
    public var timestampNs: Int64 = 0
    public init() {}

    public init?(body: UnsafeRawBufferPointer) {
        guard body.count >= Self.minimumLength else { return nil }
        let r = BigEndian(body)
        marketID = r.i32(0)
        side = r.u8(4)
        position = Int8(bitPattern: r.u8(5))
        if body.count >= 14 { timestampNs = r.i64(6) }
    }

    public func encode(into w: inout BigEndianWriter) {
        w.i32(marketID)
        w.u8(side)
        w.u8(UInt8(bitPattern: position))
        w.i64(timestampNs)
    }
}

/// Any message, decoded: what tests and tools use (the handler switches on the type byte).
public enum ICEMessage: Sendable, Equatable {
    case addOrModifyOrder(ICEAddOrModifyOrder)
    case deleteOrder(ICEDeleteOrder)
    case snapshotOrder(ICESnapshotOrder)
    case trade(ICETrade)
    case marketSnapshot(ICEMarketSnapshot)
    case marketStateChange(ICEMarketStateChange)
    case marketStatistics(ICEMarketStatistics)
    case openPrice(ICEOpenPrice)
    case closePrice(ICEClosePrice)
    case settlementPrice(ICESettlementPrice)
    case openInterest(ICEOpenInterest)
    case bundleMarker(ICEBundleMarker)
    case snapshotPriceLevel(ICESnapshotPriceLevel)
    case addPriceLevel(ICEAddPriceLevel)
    case changePriceLevel(ICEChangePriceLevel)
    case deletePriceLevel(ICEDeletePriceLevel)
    /// A type this project does not use (skipped by BodyLength).
    case unknown(type: UInt8)
    /// A known type whose body is too short for the fields the handler needs.
    case malformed(type: UInt8)

    public static func decode(type: UInt8, body: UnsafeRawBufferPointer) -> ICEMessage {
        func make<M: ICEMessageBody>(_: M.Type, _ wrap: (M) -> ICEMessage) -> ICEMessage {
            M(body: body).map(wrap) ?? .malformed(type: type)
        }
        switch type {
        case ICEAddOrModifyOrder.type: return make(ICEAddOrModifyOrder.self, ICEMessage.addOrModifyOrder)
        case ICEDeleteOrder.type: return make(ICEDeleteOrder.self, ICEMessage.deleteOrder)
        case ICESnapshotOrder.type: return make(ICESnapshotOrder.self, ICEMessage.snapshotOrder)
        case ICETrade.type: return make(ICETrade.self, ICEMessage.trade)
        case ICEMarketSnapshot.type: return make(ICEMarketSnapshot.self, ICEMessage.marketSnapshot)
        case ICEMarketStateChange.type: return make(ICEMarketStateChange.self, ICEMessage.marketStateChange)
        case ICEMarketStatistics.type: return make(ICEMarketStatistics.self, ICEMessage.marketStatistics)
        case ICEOpenPrice.type: return make(ICEOpenPrice.self, ICEMessage.openPrice)
        case ICEClosePrice.type: return make(ICEClosePrice.self, ICEMessage.closePrice)
        case ICESettlementPrice.type: return make(ICESettlementPrice.self, ICEMessage.settlementPrice)
        case ICEOpenInterest.type: return make(ICEOpenInterest.self, ICEMessage.openInterest)
        case ICEBundleMarker.type: return make(ICEBundleMarker.self, ICEMessage.bundleMarker)
        case ICESnapshotPriceLevel.type: return make(ICESnapshotPriceLevel.self, ICEMessage.snapshotPriceLevel)
        case ICEAddPriceLevel.type: return make(ICEAddPriceLevel.self, ICEMessage.addPriceLevel)
        case ICEChangePriceLevel.type: return make(ICEChangePriceLevel.self, ICEMessage.changePriceLevel)
        case ICEDeletePriceLevel.type: return make(ICEDeletePriceLevel.self, ICEMessage.deletePriceLevel)
        default: return .unknown(type: type)
        }
    }

    /// The framed message (type, BodyLength, body); nil for `unknown`/`malformed`.
    public var framed: [UInt8]? {
        switch self {
        case .addOrModifyOrder(let m): m.framed
        case .deleteOrder(let m): m.framed
        case .snapshotOrder(let m): m.framed
        case .trade(let m): m.framed
        case .marketSnapshot(let m): m.framed
        case .marketStateChange(let m): m.framed
        case .marketStatistics(let m): m.framed
        case .openPrice(let m): m.framed
        case .closePrice(let m): m.framed
        case .settlementPrice(let m): m.framed
        case .openInterest(let m): m.framed
        case .bundleMarker(let m): m.framed
        case .snapshotPriceLevel(let m): m.framed
        case .addPriceLevel(let m): m.framed
        case .changePriceLevel(let m): m.framed
        case .deletePriceLevel(let m): m.framed
        case .unknown, .malformed: nil
        }
    }
}

/// `YYYY-MM-DD` Alpha[10] dates as `YYYYMMDD` integers.
public enum ICEDate {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return 0 }
        var value: UInt32 = 0
        for i in [0, 1, 2, 3, 5, 6, 8, 9] {
            let d = bytes[i] &- 0x30
            guard d <= 9 else { return 0 }
            value = value * 10 + UInt32(d)
        }
        return value
    }

    public static func format(_ yyyymmdd: UInt32) -> [UInt8] {
        guard yyyymmdd > 0 else { return [] }
        let s = String(yyyymmdd)
        guard s.count == 8 else { return [] }
        return Array((s.prefix(4) + "-" + s.dropFirst(4).prefix(2) + "-" + s.suffix(2)).utf8)
    }
}

/// A 3-character Alpha field held inline (no array on the decode path).
public struct Alpha3: Sendable, Equatable {
    public var a: UInt8, b: UInt8, c: UInt8
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8) {
        self.a = a
        self.b = b
        self.c = c
    }
}
