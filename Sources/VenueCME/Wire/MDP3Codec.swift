/// Encoding of the subset's messages (for the simulator) and decoding into values (for tests and
/// the non-hot paths). Encoders write the exact v13 block lengths, zero every padding byte, and
/// always write every group's dimension header (§3.6).

public protocol MDP3Encodable {
    static var template: MDP3Template { get }
    /// Root block and groups (after the 10-byte MsgSize + SBE header).
    func encodeBody(into w: inout WireWriter)
}

extension MDP3Encodable {
    /// The whole message, MsgSize and SBE header included.
    public func encoded() -> [UInt8] {
        var w = WireWriter(capacity: 256)
        w.put(UInt16(0))
        w.put(UInt16(Self.template.blockLength))
        w.put(Self.template.rawValue)
        w.put(MDP3.schemaID)
        w.put(MDP3.version)
        encodeBody(into: &w)
        precondition(w.count <= Int(UInt16.max), "message too large")
        w.patch(UInt16(w.count), at: 0)
        return w.bytes
    }
}

/// Builds one datagram: the packet header and messages back to back.
public struct MDP3PacketBuilder {
    public private(set) var bytes: [UInt8]

    public init(msgSeqNum: UInt32, sendingTime: UInt64) {
        var w = WireWriter(capacity: MDP3.maxPayload)
        w.put(msgSeqNum)
        w.put(sendingTime)
        bytes = w.bytes
    }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.count == MDP3.packetHeaderSize }

    public mutating func append(_ message: [UInt8]) { bytes += message }
    public mutating func append(_ message: some MDP3Encodable) { bytes += message.encoded() }
}

private func putGroupHeader(_ w: inout WireWriter, blockLength: Int, count: Int, eightByte: Bool = false) {
    precondition(count <= 255, "numInGroup is a uint8: at most 255 entries")
    w.put(UInt16(blockLength))
    if eightByte { w.zeros(5) }
    w.put(UInt8(count))
}

/// The 11-byte root block shared by the incremental templates (Volume37, Book46, OrderBook47, TradeSummary48,
/// DailyStatistics49, SessionStatistics51): TransactTime u64, MatchEventIndicator u8, 2 padding bytes.
private func putIncrementalRoot(_ w: inout WireWriter, transactTime: UInt64, matchEventIndicator: MatchEventIndicator) {
    w.put(transactTime)
    w.put(matchEventIndicator.rawValue)
    w.zeros(2)
}

extension ChannelReset4: MDP3Encodable {
    public static var template: MDP3Template { .channelReset }
    public func encodeBody(into w: inout WireWriter) {
        w.put(transactTime)
        w.put(matchEventIndicator.rawValue)
        putGroupHeader(&w, blockLength: 2, count: applIDs.count)
        for id in applIDs { w.put(id) }
    }
}

extension SecurityStatus30: MDP3Encodable {
    public static var template: MDP3Template { .securityStatus }
    public func encodeBody(into w: inout WireWriter) {
        w.put(transactTime)
        w.chars(securityGroup, 6)
        w.chars(asset, 6)
        w.put(securityID)
        w.put(tradeDate)
        w.put(matchEventIndicator.rawValue)
        w.put(tradingStatus)
        w.put(haltReason)
        w.put(tradingEvent)
    }
}

extension Volume37: MDP3Encodable {
    public static var template: MDP3Template { .volume }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 16, count: entries.count)
        for e in entries {
            w.put(e.size)
            w.put(e.securityID)
            w.put(e.rptSeq)
            w.put(e.updateAction)
            w.zeros(3)
        }
    }
}

extension Book46: MDP3Encodable {
    public static var template: MDP3Template { .book }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 32, count: entries.count)
        for e in entries {
            w.put(e.price)
            w.put(e.size)
            w.put(e.securityID)
            w.put(e.rptSeq)
            w.put(e.numberOfOrders)
            w.put(e.priceLevel)
            w.put(e.updateAction)
            w.put(e.entryType)
            w.put(e.tradeableSize)
            w.zeros(1)
        }
        putGroupHeader(&w, blockLength: 24, count: orders.count, eightByte: true)
        for o in orders {
            w.put(o.orderID)
            w.put(o.orderPriority)
            w.put(o.displayQty)
            w.put(o.referenceID)
            w.put(o.orderUpdateAction)
            w.zeros(2)
        }
    }
}

extension OrderBook47: MDP3Encodable {
    public static var template: MDP3Template { .orderBook }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 40, count: entries.count)
        for e in entries {
            w.put(e.orderID)
            w.put(e.orderPriority)
            w.put(e.price)
            w.put(e.displayQty)
            w.put(e.securityID)
            w.put(e.updateAction)
            w.put(e.entryType)
            w.zeros(6)
        }
    }
}

extension TradeSummary48: MDP3Encodable {
    public static var template: MDP3Template { .tradeSummary }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 32, count: entries.count)
        for e in entries {
            w.put(e.price)
            w.put(e.size)
            w.put(e.securityID)
            w.put(e.rptSeq)
            w.put(e.numberOfOrders)
            w.put(e.aggressorSide)
            w.put(e.updateAction)
            w.put(e.tradeEntryID)
            w.zeros(2)
        }
        putGroupHeader(&w, blockLength: 16, count: orders.count, eightByte: true)
        for o in orders {
            w.put(o.orderID)
            w.put(o.lastQty)
            w.zeros(4)
        }
    }
}

extension DailyStatistics49: MDP3Encodable {
    public static var template: MDP3Template { .dailyStatistics }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 32, count: entries.count)
        for e in entries {
            w.put(e.price)
            w.put(e.size)
            w.put(e.securityID)
            w.put(e.rptSeq)
            w.put(e.tradingReferenceDate)
            w.put(e.settlPriceType)
            w.put(e.updateAction)
            w.put(e.entryType)
            w.zeros(7)
        }
    }
}

extension SessionStatistics51: MDP3Encodable {
    public static var template: MDP3Template { .sessionStatistics }
    public func encodeBody(into w: inout WireWriter) {
        putIncrementalRoot(&w, transactTime: transactTime, matchEventIndicator: matchEventIndicator)
        putGroupHeader(&w, blockLength: 24, count: entries.count)
        for e in entries {
            w.put(e.price)
            w.put(e.securityID)
            w.put(e.rptSeq)
            w.put(e.openCloseSettlFlag)
            w.put(e.updateAction)
            w.put(e.entryType)
            w.put(e.size)
            w.zeros(1)
        }
    }
}

extension Snapshot52: MDP3Encodable {
    public static var template: MDP3Template { .snapshot }
    public func encodeBody(into w: inout WireWriter) {
        w.put(lastMsgSeqNumProcessed)
        w.put(totNumReports)
        w.put(securityID)
        w.put(rptSeq)
        w.put(transactTime)
        w.put(lastUpdateTime)
        w.put(tradeDate)
        w.put(tradingStatus)
        w.put(highLimitPrice)
        w.put(lowLimitPrice)
        w.put(maxPriceVariation)
        putGroupHeader(&w, blockLength: 22, count: entries.count)
        for e in entries {
            w.put(e.price)
            w.put(e.size)
            w.put(e.numberOfOrders)
            w.put(e.priceLevel)
            w.put(e.tradingReferenceDate)
            w.put(e.openCloseSettlFlag)
            w.put(e.settlPriceType)
            w.put(e.entryType)
        }
    }
}

extension SnapshotOrderBook53: MDP3Encodable {
    public static var template: MDP3Template { .snapshotOrderBook }
    public func encodeBody(into w: inout WireWriter) {
        w.put(lastMsgSeqNumProcessed)
        w.put(totNumReports)
        w.put(securityID)
        w.put(noChunks)
        w.put(currentChunk)
        w.put(transactTime)
        putGroupHeader(&w, blockLength: 29, count: entries.count)
        for e in entries {
            w.put(e.orderID)
            w.put(e.orderPriority)
            w.put(e.price)
            w.put(e.displayQty)
            w.put(e.entryType)
        }
    }
}

extension Definition54: MDP3Encodable {
    public static var template: MDP3Template { .definition }
    public func encodeBody(into w: inout WireWriter) {
        let start = w.count
        w.put(matchEventIndicator.rawValue)
        w.put(totNumReports)
        w.put(securityUpdateAction)
        w.put(lastUpdateTime)
        w.put(tradingStatus)
        w.put(applID)
        w.put(marketSegmentID)
        w.put(underlyingProduct)
        w.chars(securityExchange, 4)
        w.chars(securityGroup, 6)
        w.chars(asset, 6)
        w.chars(symbol, 20)
        w.put(securityID)
        w.chars(securityType, 6)
        w.chars(cfiCode, 6)
        w.put(maturityYear)
        w.put(maturityMonth)
        w.put(maturityDay)
        w.put(maturityWeek)
        w.chars(currency, 3)
        w.chars(settlCurrency, 3)
        w.put(matchAlgorithm)
        w.put(minTradeVol)
        w.put(maxTradeVol)
        w.put(minPriceIncrement)
        w.put(displayFactor)
        w.put(mainFraction)
        w.put(subFraction)
        w.put(priceDisplayFormat)
        w.chars(unitOfMeasure, 30)
        w.put(unitOfMeasureQty)
        w.put(tradingReferencePrice)
        w.put(settlPriceType)
        w.put(openInterestQty)
        w.put(clearedVolume)
        w.put(highLimitPrice)
        w.put(lowLimitPrice)
        w.put(maxPriceVariation)
        w.put(decayQuantity)
        w.put(decayStartDate)
        w.put(originalContractSize)
        w.put(contractMultiplier)
        w.put(contractMultiplierUnit)
        w.put(flowScheduleType)
        w.put(minPriceIncrementAmount)
        w.put(userDefinedInstrument)
        w.put(tradingReferenceDate)
        w.put(instrumentGUID)
        precondition(w.count - start == 224, "Definition54 root block must be 224 bytes")
        putGroupHeader(&w, blockLength: 9, count: events.count)
        for e in events {
            w.put(e.eventType)
            w.put(e.eventTime)
        }
        putGroupHeader(&w, blockLength: 4, count: feedTypes.count)
        for f in feedTypes {
            w.chars(f.feedType, 3)
            w.put(f.marketDepth)
        }
        putGroupHeader(&w, blockLength: 4, count: instAttribValues.count)
        for v in instAttribValues { w.put(v) }
        putGroupHeader(&w, blockLength: 5, count: lotTypeRules.count)
        for r in lotTypeRules {
            w.put(r.lotType)
            w.put(r.minLotSize)
        }
    }
}

/// A decoded message of the subset.
public enum MDP3Message: Equatable, Sendable {
    case channelReset(ChannelReset4)
    case heartbeat
    case securityStatus(SecurityStatus30)
    case volume(Volume37)
    case book(Book46)
    case orderBook(OrderBook47)
    case tradeSummary(TradeSummary48)
    case dailyStatistics(DailyStatistics49)
    case sessionStatistics(SessionStatistics51)
    case snapshot(Snapshot52)
    case snapshotOrderBook(SnapshotOrderBook53)
    case definition(Definition54)

    /// Decodes a message that passed validation; nil for an unknown or malformed one.
    public static func decode(_ m: MDP3MessageView) -> MDP3Message? {
        guard let template = MDP3PacketView.isUsable(m) else { return nil }
        let r = m.root
        switch template {
        case .adminHeartbeat:
            return .heartbeat
        case .channelReset:
            let g = m.firstGroup
            return .channelReset(ChannelReset4(transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                                               applIDs: (0..<g.count).map { g[$0].i16(0) }))
        case .securityStatus:
            return .securityStatus(SecurityStatus30(
                transactTime: r.u64(0), securityGroup: r.string(8, 6), asset: r.string(14, 6), securityID: r.i32(20),
                tradeDate: r.u16(24), matchEventIndicator: MatchEventIndicator(rawValue: r.u8(26, null: 0)),
                tradingStatus: r.u8(27), haltReason: r.u8(28), tradingEvent: r.u8(29)))
        case .volume:
            let g = m.firstGroup
            return .volume(Volume37(transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                                    entries: (0..<g.count).map { i in
                                        let e = g[i]
                                        return .init(size: e.i32(0), securityID: e.i32(4), rptSeq: e.u32(8), updateAction: e.u8(12))
                                    }))
        case .book:
            let g = m.firstGroup
            let o = m.group(after: g, headerSize: 8)
            return .book(Book46(
                transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    var entry = Book46.Entry(price: e.i64(0), size: e.i32(8), securityID: e.i32(12), rptSeq: e.u32(16),
                                             numberOfOrders: e.i32(20), priceLevel: e.u8(24), updateAction: .new,
                                             entryType: e.u8(26), tradeableSize: e.i32(27))
                    entry.updateAction = e.u8(25)
                    return entry
                },
                orders: (0..<o.count).map { i in
                    let e = o[i]
                    return .init(orderID: e.u64(0), orderPriority: e.u64(8), displayQty: e.i32(16), referenceID: e.u8(20),
                                 orderUpdateAction: e.u8(21))
                }))
        case .orderBook:
            let g = m.firstGroup
            return .orderBook(OrderBook47(transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                                          entries: (0..<g.count).map { i in
                                              let e = g[i]
                                              return .init(orderID: e.u64(0), orderPriority: e.u64(8), price: e.i64(16),
                                                           displayQty: e.i32(24), securityID: e.i32(28),
                                                           updateAction: e.u8(32), entryType: e.u8(33))
                                          }))
        case .tradeSummary:
            let g = m.firstGroup
            let o = m.group(after: g, headerSize: 8)
            return .tradeSummary(TradeSummary48(
                transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    return .init(price: e.i64(0), size: e.i32(8), securityID: e.i32(12), rptSeq: e.u32(16),
                                 numberOfOrders: e.i32(20), aggressorSide: e.u8(24), updateAction: e.u8(25),
                                 tradeEntryID: e.u32(26))
                },
                orders: (0..<o.count).map { i in .init(orderID: o[i].u64(0), lastQty: o[i].i32(8)) }))
        case .dailyStatistics:
            let g = m.firstGroup
            return .dailyStatistics(DailyStatistics49(
                transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    return .init(price: e.i64(0), size: e.i32(8), securityID: e.i32(12), rptSeq: e.u32(16),
                                 tradingReferenceDate: e.u16(20), settlPriceType: e.u8(22), updateAction: e.u8(23),
                                 entryType: e.u8(24))
                }))
        case .sessionStatistics:
            let g = m.firstGroup
            return .sessionStatistics(SessionStatistics51(
                transactTime: m.transactTime, matchEventIndicator: m.matchEventIndicator,
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    return .init(price: e.i64(0), securityID: e.i32(8), rptSeq: e.u32(12), openCloseSettlFlag: e.u8(16),
                                 updateAction: e.u8(17), entryType: e.u8(18), size: e.i32(19))
                }))
        case .snapshot:
            let g = m.firstGroup
            return .snapshot(Snapshot52(
                lastMsgSeqNumProcessed: r.u32(0), totNumReports: r.u32(4), securityID: r.i32(8), rptSeq: r.u32(12),
                transactTime: r.u64(16), lastUpdateTime: r.u64(24), tradeDate: r.u16(32), tradingStatus: r.u8(34),
                highLimitPrice: r.i64(35), lowLimitPrice: r.i64(43), maxPriceVariation: r.i64(51),
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    return .init(price: e.i64(0), size: e.i32(8), numberOfOrders: e.i32(12), priceLevel: e.i8(16),
                                 tradingReferenceDate: e.u16(17), openCloseSettlFlag: e.u8(19),
                                 settlPriceType: e.u8(20, null: 0), entryType: e.u8(21, null: 0))
                }))
        case .snapshotOrderBook:
            let g = m.firstGroup
            return .snapshotOrderBook(SnapshotOrderBook53(
                lastMsgSeqNumProcessed: r.u32(0), totNumReports: r.u32(4), securityID: r.i32(8), noChunks: r.u32(12),
                currentChunk: r.u32(16), transactTime: r.u64(20),
                entries: (0..<g.count).map { i in
                    let e = g[i]
                    return .init(orderID: e.u64(0), orderPriority: e.u64(8), price: e.i64(16), displayQty: e.i32(24),
                                 entryType: e.u8(28, null: 0))
                }))
        case .definition:
            return .definition(decodeDefinition(m))
        }
    }

    static func decodeDefinition(_ m: MDP3MessageView) -> Definition54 {
        let r = m.root
        var d = Definition54()
        d.matchEventIndicator = MatchEventIndicator(rawValue: r.u8(0, null: 0))
        d.totNumReports = r.u32(1)
        d.securityUpdateAction = r.u8(5, null: 0)
        d.lastUpdateTime = r.u64(6)
        d.tradingStatus = r.u8(14)
        d.applID = r.i16(15)
        d.marketSegmentID = r.u8(17)
        d.underlyingProduct = r.u8(18)
        d.securityExchange = r.string(19, 4)
        d.securityGroup = r.string(23, 6)
        d.asset = r.string(29, 6)
        d.symbol = r.string(35, 20)
        d.securityID = r.i32(55)
        d.securityType = r.string(59, 6)
        d.cfiCode = r.string(65, 6)
        d.maturityYear = r.u16(71)
        d.maturityMonth = r.u8(73)
        d.maturityDay = r.u8(74)
        d.maturityWeek = r.u8(75)
        d.currency = r.string(76, 3)
        d.settlCurrency = r.string(79, 3)
        d.matchAlgorithm = r.u8(82, null: UInt8(ascii: " "))
        d.minTradeVol = r.u32(83)
        d.maxTradeVol = r.u32(87)
        d.minPriceIncrement = r.i64(91)
        d.displayFactor = r.i64(99)
        d.mainFraction = r.u8(107)
        d.subFraction = r.u8(108)
        d.priceDisplayFormat = r.u8(109)
        d.unitOfMeasure = r.string(110, 30)
        d.unitOfMeasureQty = r.i64(140)
        d.tradingReferencePrice = r.i64(148)
        d.settlPriceType = r.u8(156, null: 0)
        d.openInterestQty = r.i32(157)
        d.clearedVolume = r.i32(161)
        d.highLimitPrice = r.i64(165)
        d.lowLimitPrice = r.i64(173)
        d.maxPriceVariation = r.i64(181)
        d.decayQuantity = r.i32(189)
        d.decayStartDate = r.u16(193)
        d.originalContractSize = r.i32(195)
        d.contractMultiplier = r.i32(199)
        d.contractMultiplierUnit = r.i8(203)
        d.flowScheduleType = r.i8(204)
        d.minPriceIncrementAmount = r.i64(205)
        d.userDefinedInstrument = r.u8(213, null: UInt8(ascii: "N"))
        d.tradingReferenceDate = r.u16(214)
        d.instrumentGUID = r.u64(216)
        let events = m.firstGroup
        d.events = (0..<events.count).map { .init(eventType: events[$0].u8(0), eventTime: events[$0].u64(1)) }
        let feeds = m.group(after: events, headerSize: 3)
        d.feedTypes = (0..<feeds.count).map { .init(feedType: feeds[$0].string(0, 3), marketDepth: feeds[$0].i8(3)) }
        let attribs = m.group(after: feeds, headerSize: 3)
        d.instAttribValues = (0..<attribs.count).map { attribs[$0].u32(0) }
        let lots = m.group(after: attribs, headerSize: 3)
        d.lotTypeRules = (0..<lots.count).map { .init(lotType: lots[$0].i8(0), minLotSize: lots[$0].i32(1)) }
        return d
    }
}
