public import FeedEngine
public import TickFormat

/// The feeds of an ICE-style channel: the full-order-depth live channel (lines A and B) and its
/// snapshot channel (one line).
public enum ICEFeed: Int, Sendable, CaseIterable, CustomStringConvertible {
    case live, snapshot
    public var description: String { self == .live ? "live" : "snapshot" }
}

public struct ICEChannelConfiguration: Sendable {
    /// Which records to build; books are maintained whatever this says.
    public var schemas: SchemaSelection
    public var arbitration: SequenceArbiter.Configuration
    /// Live packets kept while markets recover.
    public var maxRecoveryQueue: Int

    public init(schemas: SchemaSelection = .all, arbitration: SequenceArbiter.Configuration = .init(),
                maxRecoveryQueue: Int = 200_000) {
        self.schemas = schemas
        self.arbitration = arbitration
        self.maxRecoveryQueue = maxRecoveryQueue
    }
}

/// Counters of a channel, for the replay summary.
public struct ICEChannelStats: Sendable {
    /// Datagrams refused before arbitration, per feed and line.
    public var malformedDatagrams: [ICEFeed: [Int]] = [:]
    public var malformedReasons: [String: Int] = [:]
    public var malformedMessages = 0
    public var unknownMessageTypes = 0
    public var unknownMarketMessages = 0
    /// `F` for an order not in the book (possible right after a recovery).
    public var unknownOrderDeletes = 0
    public var trailingBytes = 0
    public var staleTransitions = 0
    public var marketRecoveries = 0
    public var recoveries = 0
    public var sessionChanges = 0
    /// Packets of other (retired) sessions, ignored.
    public var retiredSessionPackets = 0
    public var snapshotPacketsUsed = 0
    public var snapshotGaps = 0
    public var recoveryQueueOverflows = 0
}

/// The ICE-style iMpact full-order-depth handler of one channel: A/B arbitration by message
/// sequence number, session changes, the order book per market and its derived 10-level price
/// book, normalization to DBN, and recovery from the snapshot channel (specs/ice-impact.md §8–11;
/// DESIGN.md wins where they differ).
///
/// Decisions where the spec leaves room:
/// - A gap makes every market stale (FOD messages carry no per-market sequence): markets keep
///   flowing live, flagged F_MAYBE_BAD_BOOK; each market's book is then rebuilt silently from its
///   `C` + `D` snapshot and the buffered live messages after LastMessageSequenceID, and published
///   once as a snapshot (`R`, then the orders/levels, F_SNAPSHOT).
/// - A late join (the first live message is not sequence 1) is a gap from 1.
/// - Packets of a session that was replaced are ignored (a late copy on the other line must not
///   switch back).
/// - Messages outside a bundle are events of their own (F_LAST after each).
public final class ICEChannelHandler<Sink: RecordSink> {
    public let configuration: ICEChannelConfiguration
    public let reference: ICEReferenceData
    public let markets: [ICEMarket]
    /// The markets again, for the per-message path: borrowed without reference counting
    /// (`markets` keeps them alive).
    private let marketRefs: UnsafeMutablePointer<Unmanaged<ICEMarket>>
    private var bySlotID: [Int32: Int] = [:]
    /// MarketID → slot for a dense range of ids (the usual case): no hashing per message.
    @exclusivity(unchecked) private var denseSlots: [Int16] = []
    @exclusivity(unchecked) private var denseBase: Int32 = 0
    @exclusivity(unchecked) public internal(set) var stats = ICEChannelStats()
    /// Arbitration of the live channel (lines A and B).
    public var live: SequenceArbiter { liveArbiter }
    @exclusivity(unchecked) @usableFromInline var liveArbiter: SequenceArbiter
    @exclusivity(unchecked) public private(set) var isRecovering = false
    @exclusivity(unchecked) public private(set) var session: UInt16?
    @exclusivity(unchecked) private var retiredSessions: Set<UInt16> = []
    let stager: EventStager
    @exclusivity(unchecked) var eventOpen = false
    @exclusivity(unchecked) var currentTsRecv: UInt64 = 0
    @exclusivity(unchecked) var currentSent: UInt64 = 0
    @exclusivity(unchecked) var lastTsRecv: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var definitionsSent = false
    @exclusivity(unchecked) private var started = false
    // Recovery.
    private var packetStore = PacketStore()
    private var recoveryQueue: [StoredPacket] = []
    /// First live sequence number the queue holds every message from.
    private var queueStart: UInt64 = 0
    private var snapshotExpected: UInt64?
    private var candidate: Candidate?
    /// Declared last: the handler is generic over its sink, and fields after a generic one have
    /// offsets that unspecialized code must look up in the class metadata at every access.
    @exclusivity(unchecked) public var sink: Sink

    /// A market's snapshot being received: its `C`, then the `D`s still to come.
    struct Candidate {
        var slot: Int
        var sync: UInt64
        var remaining: Int
        var tradingStatus: UInt8
        var orders: [ICESnapshotOrder] = []
    }

    public init(reference: ICEReferenceData, configuration: ICEChannelConfiguration = .init(), sink: Sink) {
        self.configuration = configuration
        self.reference = reference
        self.sink = sink
        var markets: [ICEMarket] = []
        for (i, m) in reference.markets.enumerated() {
            let factor = FixedPoint.factor(decimals: m.dealPriceDenominator) ?? 1
            let settle = FixedPoint.factor(decimals: m.settlePriceDenominator ?? m.dealPriceDenominator) ?? factor
            markets.append(ICEMarket(marketID: m.marketID, symbol: m.symbol, priceFactor: factor, settleFactor: settle, slot: i))
            bySlotID[m.marketID] = i
        }
        self.markets = markets
        marketRefs = .allocate(capacity: max(1, markets.count))
        for (i, m) in markets.enumerated() { (marketRefs + i).initialize(to: .passUnretained(m)) }
        if let low = bySlotID.keys.min(), let high = bySlotID.keys.max(), Int(high) - Int(low) < 65_536, markets.count < Int(Int16.max) {
            denseBase = low
            denseSlots = [Int16](repeating: -1, count: Int(high) - Int(low) + 1)
            for (id, slot) in bySlotID { denseSlots[Int(id - low)] = Int16(slot) }
        }
        stager = EventStager(instrumentCapacity: markets.count + 1)
        liveArbiter = SequenceArbiter(lineCount: 2, configuration: configuration.arbitration)
    }

    deinit { marketRefs.deallocate() }

    /// Runs `body` on the market in `slot` without retaining it.
    @inline(__always)
    func withMarket<R>(_ slot: Int, _ body: (ICEMarket) -> R) -> R { marketRefs[slot]._withUnsafeGuaranteedRef(body) }

    var schemas: SchemaSelection { configuration.schemas }
    var publisherID: UInt16 { ICEMapping.publisherID }

    public func market(symbol: String) -> ICEMarket? { markets.first { $0.symbol == symbol } }
    public func market(id: Int32) -> ICEMarket? { bySlotID[id].map { markets[$0] } }

    // MARK: - Datagrams

    /// One datagram of `feed` from `line` (0 = A, 1 = B), received at `tsRecv`.
    ///
    /// Inlinable, so that a caller in another module takes the other line's copies (half of all
    /// datagrams) in line, without a call; every other datagram goes to `receiveChecked`.
    @inlinable @inline(__always)
    public func receive(_ payload: UnsafeRawBufferPointer, feed: ICEFeed, line: Int, tsRecv: UInt64) {
        guard definitionsSent else { return receiveFirst(payload, feed: feed, line: line, tsRecv: tsRecv) }
        // The other line's copy of messages already processed: count it, skip validation.
        if feed == .live, let header = ICEPacketHeader.read(payload), !header.isHeartbeat, header.session == session,
           liveArbiter.countIfOldDuplicate(line: line, sequence: UInt64(header.sequence), count: Int(header.count), tsRecv: tsRecv) {
            return
        }
        receiveChecked(payload, feed: feed, line: line, tsRecv: tsRecv)
    }

    /// The first datagram: the instrument definitions go out first.
    @usableFromInline @inline(never)
    func receiveFirst(_ payload: UnsafeRawBufferPointer, feed: ICEFeed, line: Int, tsRecv: UInt64) {
        sendDefinitions(tsRecv: tsRecv)
        receive(payload, feed: feed, line: line, tsRecv: tsRecv)
    }

    /// Every datagram but the other line's copies: validated, then arbitrated (live) or used
    /// (snapshot).
    @usableFromInline @inline(never)
    func receiveChecked(_ payload: UnsafeRawBufferPointer, feed: ICEFeed, line: Int, tsRecv: UInt64) {
        let view: ICEPacketView
        switch ICEPacketView.validate(payload) {
        case .success(let v): view = v
        case .failure(let reason):
            stats.malformedDatagrams[feed, default: [0, 0]][min(line, 1)] += 1
            stats.malformedReasons[reason.rawValue, default: 0] += 1
            return
        }
        let header = view.header
        stats.trailingBytes &+= view.trailingBytes
        if !retiredSessions.isEmpty && retiredSessions.contains(header.session) {
            stats.retiredSessionPackets += 1
            return
        }
        switch feed {
        case .live:
            if let current = session, current != header.session { changeSession(to: header.session, tsRecv: tsRecv) }
            session = header.session
            if header.isHeartbeat {
                let passed: UInt64? = header.sequence > 0 ? UInt64(header.sequence) - 1 : nil
                liveArbiter.heartbeat(line: line, passed: passed, tsRecv: tsRecv) { handle($0) }
            } else if liveArbiter.acceptInOrder(line: line, sequence: UInt64(header.sequence), count: Int(header.count), tsRecv: tsRecv) {
                // Steady state: no event callback.
                deliver(payload, sequence: UInt64(header.sequence), count: Int(header.count), skip: 0, tsRecv: tsRecv)
            } else {
                liveArbiter.receive(payload, line: line, sequence: UInt64(header.sequence), count: Int(header.count), tsRecv: tsRecv) { handle($0) }
            }
        case .snapshot:
            guard session == nil || session == header.session else { return }  // an older session's snapshot
            receiveSnapshot(view, tsRecv: tsRecv)
        }
    }

    /// Time passes with no datagram (live sources): arbitration timeouts may expire.
    public func tick(now: UInt64) { liveArbiter.tick(now: now) { handle($0) } }

    /// End of the input: every open hole is declared lost, held packets are processed, and an
    /// event left open is released without F_LAST.
    public func finish() {
        liveArbiter.finish(tsRecv: lastTsRecv) { handle($0) }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: false) }
        eventOpen = false
    }

    /// The next live packet in sequence (its first `skip` messages were processed from another
    /// copy), from the arbiter's event or its in-order fast path.
    @inline(__always)
    private func deliver(_ payload: UnsafeRawBufferPointer, sequence: UInt64, count: Int, skip: Int, tsRecv: UInt64) {
        lastTsRecv = max(lastTsRecv, tsRecv)
        if !started {
            started = true
            if sequence > 1 { declareGap(from: 1, to: sequence - 1, tsRecv: tsRecv, reason: "late_join") }
        }
        if isRecovering { enqueue(payload, sequence: sequence, count: count, tsRecv: tsRecv) }
        process(payload, firstSequence: sequence, skip: skip, tsRecv: tsRecv, silentFor: nil)
    }

    private func handle(_ event: SequenceArbiter.Event) {
        switch event {
        case .deliver(let payload, let sequence, let count, let skip, let tsRecv, _):
            deliver(payload, sequence: sequence, count: count, skip: skip, tsRecv: tsRecv)
        case .gap(let from, let to, let tsRecv):
            lastTsRecv = max(lastTsRecv, tsRecv)
            started = true
            declareGap(from: from, to: to, tsRecv: tsRecv, reason: "gap")
        }
    }

    // MARK: - Live messages

    /// Applies a live packet's messages from index `skip` on. With `silentFor`, only that market's
    /// messages are applied and nothing is output (bringing a recovered book forward).
    func process(_ payload: UnsafeRawBufferPointer, firstSequence: UInt64, skip: Int, tsRecv: UInt64, silentFor: Int?,
                 after sync: UInt64 = 0) {
        // Every packet the arbiter delivers (or the queue holds) passed `validate` on arrival.
        let view = ICEPacketView(validated: payload)
        if silentFor == nil {
            currentTsRecv = max(tsRecv, lastTsRecv)
            currentSent = view.header.sentNs
        }
        view.forEachMessage { index, type, body in
            guard index >= skip else { return }
            let sequence = firstSequence + UInt64(index)
            if let silentFor {
                guard sequence > sync else { return }
                apply(type: type, body: body, sequence: sequence, silentSlot: silentFor)
            } else {
                apply(type: type, body: body, sequence: sequence, silentSlot: nil)
            }
        }
    }

    /// One live message. `silentSlot`: apply only to that market, output nothing.
    func apply(type: UInt8, body: UnsafeRawBufferPointer, sequence: UInt64, silentSlot: Int?) {
        let silent = silentSlot != nil
        switch type {
        case ICEBundleMarker.type:
            guard !silent else { return }
            guard let marker = ICEBundleMarker(body: body) else { return malformed() }
            if marker.isStart {
                if eventOpen { stager.flush(into: &sink, eventEnded: false) }
                eventOpen = true
            } else {
                stager.flush(into: &sink, eventEnded: true)
                eventOpen = false
            }
            return
        case ICEAddOrModifyOrder.type:
            guard let m = ICEAddOrModifyOrder(body: body) else { return malformed() }
            guard let slot = target(m.order.marketID, sequence: sequence, silentSlot: silentSlot) else { return }
            addOrModify(m.order, slot: slot, tsEvent: eventTime(m.requestReceivedNs, m.modificationTimestampNs, m.order.orderEntryDateTimeMs),
                        sequence: sequence, silent: silent)
        case ICEDeleteOrder.type:
            guard let m = ICEDeleteOrder(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot) else { return }
            delete(m.orderID, slot: slot, tsEvent: eventTime(m.requestReceivedNs, 0, m.messageDateTimeMs), sequence: sequence, silent: silent)
        case ICETrade.type:
            guard let m = ICETrade(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot), !silent else { return }
            trade(m, slot: slot, sequence: sequence)
        case ICEMarketStateChange.type:
            guard let m = ICEMarketStateChange(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot) else { return }
            let tsEvent = ICEMapping.ns(ms: m.messageDateTimeMs)
            withMarket(slot) {
                $0.tradingStatus = m.tradingStatus
                $0.statusTsEvent = tsEvent
                $0.statusTsRecv = currentTsRecv
            }
            if !silent { status(slot: slot, tradingStatus: m.tradingStatus, tsEvent: tsEvent, sequence: sequence) }
        case ICEMarketStatistics.type:
            guard let m = ICEMarketStatistics(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot), !silent else { return }
            statistics(m, slot: slot, sequence: sequence)
        case ICEOpenPrice.type, ICEClosePrice.type:
            guard body.count >= ICEOpenPrice.minimumLength, let m = type == ICEOpenPrice.type ? ICEOpenPrice(body: body)?.fields : ICEClosePrice(body: body)?.fields
            else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot), !silent else { return }
            stat(slot: slot, type: type == ICEOpenPrice.type ? .openingPrice : .closePrice, price: m.price &* withMarket(slot) { $0.priceFactor },
                 tsEvent: ICEMapping.ns(ms: m.messageDateTimeMs), sequence: sequence)
        case ICESettlementPrice.type:
            guard let m = ICESettlementPrice(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot), !silent else { return }
            let market = markets[slot]
            let valuation = ICEMapping.ns(ms: m.valuationDateTimeMs)
            stat(slot: slot, type: .settlementPrice, price: m.settlementPriceWithDealPricePrecision &* market.priceFactor,
                 tsEvent: ICEMapping.ns(ms: m.messageDateTimeMs), sequence: sequence,
                 tsRef: valuation > 0 ? valuation / 86_400_000_000_000 * 86_400_000_000_000 : undefTimestamp,
                 flags: m.isOfficial == UInt8(ascii: "Y") ? 1 : 0)
        case ICEOpenInterest.type:
            guard let m = ICEOpenInterest(body: body) else { return malformed() }
            guard let slot = target(m.marketID, sequence: sequence, silentSlot: silentSlot), !silent else { return }
            stat(slot: slot, type: .openInterest, quantity: Int64(m.openInterest), tsEvent: ICEMapping.ns(ms: m.messageDateTimeMs),
                 sequence: sequence, tsRef: ICEMapping.midnight(m.openInterestDate))
        case ICESnapshotOrder.type, ICEMarketSnapshot.type, ICESnapshotPriceLevel.type, ICEAddPriceLevel.type,
             ICEChangePriceLevel.type, ICEDeletePriceLevel.type:
            // Snapshot-channel or price-level-channel messages on a full-order-depth live channel:
            // well formed but not ours; counted with the unknown types.
            if !silent { stats.unknownMessageTypes += 1 }
            return
        default:
            if !silent { stats.unknownMessageTypes += 1 }
            return
        }
        if !silent && !eventOpen {
            // A message outside a bundle is an event of its own.
            stager.flush(into: &sink, eventEnded: true)
        }
    }

    private func malformed() { stats.malformedMessages += 1 }

    /// The market a message is for, or nil when it is unknown, already in a recovered snapshot, or
    /// (bringing a book forward) another market.
    @inline(__always)
    private func slot(of marketID: Int32) -> Int? {
        if !denseSlots.isEmpty {
            let i = Int(marketID) &- Int(denseBase)
            guard i >= 0 && i < denseSlots.count, denseSlots[i] >= 0 else { return nil }
            return Int(denseSlots[i])
        }
        return bySlotID[marketID]
    }

    @inline(__always)
    private func target(_ marketID: Int32, sequence: UInt64, silentSlot: Int?) -> Int? {
        guard let slot = slot(of: marketID) else {
            if silentSlot == nil { stats.unknownMarketMessages += 1 }
            return nil
        }
        if let silentSlot { return slot == silentSlot ? slot : nil }
        return sequence > withMarket(slot) { $0.skipThrough } ? slot : nil
    }

    /// `ts_event` of an order or trade message: the engine's receive time of the request, else
    /// the modification time, else the millisecond DateTime.
    @inline(__always)
    func eventTime(_ requestNs: Int64, _ modificationNs: Int64, _ ms: Int64) -> UInt64 {
        requestNs > 0 ? UInt64(requestNs) : modificationNs > 0 ? UInt64(modificationNs) : ICEMapping.ns(ms: ms)
    }

    private var delta: Int32 {
        Int32(clamping: Int64(bitPattern: currentTsRecv) &- Int64(bitPattern: currentSent))
    }

    func flags(_ market: ICEMarket, _ extra: RecordFlags = []) -> RecordFlags {
        market.isStale ? extra.union(.maybeBadBook) : extra
    }

    func addOrModify(_ o: ICEOrderFields, slot: Int, tsEvent: UInt64, sequence: UInt64, silent: Bool) {
        withMarket(slot) { addOrModify(o, market: $0, tsEvent: tsEvent, sequence: sequence, silent: silent) }
    }

    private func addOrModify(_ o: ICEOrderFields, market: ICEMarket, tsEvent: UInt64, sequence: UInt64, silent: Bool) {
        guard o.isRFQ != UInt8(ascii: "Y") else { return }  // a request for quote is not an order
        let isBid = o.isBid
        let price = o.price &* market.priceFactor
        let topBefore = silent || !schemas.contains(.mbp1) ? .empty : market.pair(0)
        let (previous, depthAfter, depthBefore) = market.upsert(orderID: o.orderID, isBid: isBid, price: price, quantity: o.quantity,
                                                                isImplied: o.isImplied == UInt8(ascii: "Y"))
        guard !silent else { return }
        let action: Action = previous == nil ? .add : .modify
        emitOrderEvent(market, action: action, isBid: isBid, price: price, size: o.quantity, orderID: o.orderID,
                       depth: min(depthAfter, depthBefore), tsEvent: tsEvent, sequence: sequence, topBefore: topBefore)
    }

    func delete(_ orderID: Int64, slot: Int, tsEvent: UInt64, sequence: UInt64, silent: Bool) {
        withMarket(slot) { delete(orderID, market: $0, tsEvent: tsEvent, sequence: sequence, silent: silent) }
    }

    private func delete(_ orderID: Int64, market: ICEMarket, tsEvent: UInt64, sequence: UInt64, silent: Bool) {
        let topBefore = silent || !schemas.contains(.mbp1) ? .empty : market.pair(0)
        guard let (removed, depth) = market.remove(orderID: orderID) else {
            if !silent { stats.unknownOrderDeletes += 1 }
            return
        }
        guard !silent else { return }
        emitOrderEvent(market, action: .cancel, isBid: removed.isBid, price: removed.price, size: removed.quantity,
                       orderID: orderID, depth: depth, tsEvent: tsEvent, sequence: sequence, topBefore: topBefore)
    }

    /// The records of one order event: MBO always (when built), MBP-10 when the change is within
    /// the top 10 levels, MBP-1 when the top of book changed.
    func emitOrderEvent(_ market: ICEMarket, action: Action, isBid: Bool, price: Int64, size: Int32, orderID: Int64,
                        depth: Int, tsEvent: UInt64, sequence: UInt64, topBefore: BidAskPair) {
        let seq = UInt32(truncatingIfNeeded: sequence)
        let f = flags(market)
        let side: Side = isBid ? .bid : .ask
        let id = market.instrumentID
        let slot = market.slot + 1
        if schemas.contains(.mbo) {
            stager.stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, orderID: UInt64(bitPattern: orderID),
                                price: price, size: UInt32(clamping: size), flags: f, channelID: 0, action: action, side: side,
                                tsRecv: currentTsRecv, tsInDelta: delta, sequence: seq), slot: slot)
        }
        let event = BookEvent(price: price, size: UInt32(clamping: size), action: action, side: side, flags: f,
                              depth: UInt8(min(depth, 255)), tsRecv: currentTsRecv, tsInDelta: delta, sequence: seq)
        if schemas.contains(.mbp10) && depth < 10 {
            stager.stage(Mbp10Msg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, levels: market.pairs), slot: slot)
        }
        if schemas.contains(.mbp1) {
            let top = market.pair(0)
            if top != topBefore {
                stager.stageMbp1(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, level: top, slot: slot)
            }
        }
    }

    func trade(_ m: ICETrade, slot: Int, sequence: UInt64) {
        withMarket(slot) { trade(m, market: $0, sequence: sequence) }
    }

    private func trade(_ m: ICETrade, market: ICEMarket, sequence: UInt64) {
        let price = m.price &* market.priceFactor
        let side = ICEMapping.aggressor(m.aggressorSide)
        let tsEvent = eventTime(m.requestReceivedNs, 0, m.transactDateTimeMs)
        let seq = UInt32(truncatingIfNeeded: sequence)
        let f = flags(market)
        let id = market.instrumentID
        let size = UInt32(clamping: m.quantity)
        if schemas.contains(.trades) {
            stager.stage(TradeMsg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, price: price, size: size, side: side,
                                  flags: f, depth: 0, tsRecv: currentTsRecv, tsInDelta: delta, sequence: seq), slot: market.slot + 1)
        }
        if schemas.contains(.mbo) {
            stager.stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, orderID: 0, price: price, size: size,
                                flags: f, channelID: 0, action: .trade, side: side, tsRecv: currentTsRecv, tsInDelta: delta,
                                sequence: seq), slot: market.slot + 1)
        }
        let event = BookEvent(price: price, size: size, action: .trade, side: side, flags: f, depth: 0, tsRecv: currentTsRecv,
                              tsInDelta: delta, sequence: seq)
        if schemas.contains(.mbp10) {
            stager.stage(Mbp10Msg(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, levels: market.pairs),
                         slot: market.slot + 1)
        }
        if schemas.contains(.mbp1) {
            stager.stageMbp1(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, level: market.pair(0),
                             slot: market.slot + 1)
        }
    }

    func status(slot: Int, tradingStatus: UInt8, tsEvent: UInt64, sequence: UInt64) {
        guard schemas.contains(.status) else { return }
        stager.stage(Self.statusMessage(instrumentID: markets[slot].instrumentID, tradingStatus: tradingStatus, tsEvent: tsEvent,
                                        tsRecv: currentTsRecv), slot: slot + 1)
    }

    static func statusMessage(instrumentID: UInt32, tradingStatus: UInt8, tsEvent: UInt64, tsRecv: UInt64) -> StatusMsg {
        let action = ICEMapping.statusAction(tradingStatus)
        let trading: TriState = action == .trading ? .yes : .no
        let quoting: TriState = action == .trading || action == .preOpen || action == .preClose ? .yes : .no
        return StatusMsg(publisherID: ICEMapping.publisherID, instrumentID: instrumentID, tsEvent: tsEvent, tsRecv: tsRecv,
                         action: action, reason: .none, isTrading: trading, isQuoting: quoting)
    }

    /// The market's trading status as a DBN record (nil before any status arrived); its times are
    /// the last status message's.
    public func currentStatus(of market: ICEMarket) -> StatusMsg? {
        guard market.tradingStatus != 0 else { return nil }
        return Self.statusMessage(instrumentID: market.instrumentID, tradingStatus: market.tradingStatus,
                                  tsEvent: market.statusTsEvent, tsRecv: market.statusTsRecv)
    }

    /// The definition of `marketID` from the reference data (nil for a market it does not list).
    public func definition(marketID: Int32) -> InstrumentDefMsg? {
        reference.markets.first { $0.marketID == marketID }.map { ICEMapping.definition($0, tsRecv: undefTimestamp) }
    }

    func statistics(_ m: ICEMarketStatistics, slot: Int, sequence: UInt64) {
        withMarket(slot) { statistics(m, market: $0, slot: slot, sequence: sequence) }
    }

    private func statistics(_ m: ICEMarketStatistics, market: ICEMarket, slot: Int, sequence: UInt64) {
        let ts = ICEMapping.ns(ms: m.messageDateTimeMs)
        if m.high != market.high { market.high = m.high; stat(slot: slot, type: .tradingSessionHighPrice, price: m.high &* market.priceFactor, tsEvent: ts, sequence: sequence) }
        if m.low != market.low { market.low = m.low; stat(slot: slot, type: .tradingSessionLowPrice, price: m.low &* market.priceFactor, tsEvent: ts, sequence: sequence) }
        if m.vwap != market.vwap { market.vwap = m.vwap; stat(slot: slot, type: .vwap, price: m.vwap &* market.priceFactor, tsEvent: ts, sequence: sequence) }
        if m.volume != market.volume { market.volume = m.volume; stat(slot: slot, type: .clearedVolume, quantity: Int64(m.volume), tsEvent: ts, sequence: sequence) }
    }

    func stat(slot: Int, type: StatType, price: Int64 = undefPrice, quantity: Int64 = undefStatQuantity, tsEvent: UInt64,
              sequence: UInt64, tsRef: UInt64 = undefTimestamp, flags: UInt8 = 0) {
        guard schemas.contains(.statistics) else { return }
        stager.stage(StatMsg(publisherID: publisherID, instrumentID: withMarket(slot) { $0.instrumentID }, tsEvent: tsEvent, tsRecv: currentTsRecv,
                             tsRef: tsRef, price: price, quantity: quantity, sequence: UInt32(truncatingIfNeeded: sequence),
                             tsInDelta: delta, statType: type, statFlags: flags), slot: slot + 1)
    }

    func notice(tsRecv: UInt64, instrumentID: UInt32 = 0, _ text: String) {
        guard schemas.contains(.system) else { return }
        let wasOpen = eventOpen
        stager.stage(SystemEvents.make(publisherID: publisherID, instrumentID: instrumentID, tsRecv: tsRecv, text), slot: 0)
        if !wasOpen { stager.flush(into: &sink, eventEnded: true) }
    }

    private func sendDefinitions(tsRecv: UInt64) {
        definitionsSent = true
        guard schemas.contains(.definition) else { return }
        for m in reference.markets {
            stager.stage(ICEMapping.definition(m, tsRecv: tsRecv), slot: (bySlotID[m.marketID] ?? 0) + 1)
        }
        stager.flush(into: &sink, eventEnded: true)
    }

    // MARK: - Gaps, sessions, recovery

    /// Numbers `from...to` were lost on every line: every market is stale until recovered.
    private func declareGap(from: UInt64, to: UInt64, tsRecv: UInt64, reason: String) {
        currentTsRecv = max(tsRecv, lastTsRecv)
        if eventOpen {
            // The bundle lost its end: release what it made, without F_LAST.
            stager.flush(into: &sink, eventEnded: false)
            eventOpen = false
        }
        notice(tsRecv: currentTsRecv, "gap feed=live from=\(from) to=\(to) lost=\(to - from + 1)")
        startRecovery(reason: reason, firstQueued: to + 1)
    }

    private func startRecovery(reason: String, firstQueued: UInt64) {
        for market in markets where !market.isStale {
            market.isStale = true
            stats.staleTransitions += 1
            notice(tsRecv: currentTsRecv, instrumentID: market.instrumentID,
                   "stale instrument=\(market.marketID) symbol=\(market.symbol) reason=\(reason)")
        }
        // The queue restarts after every hole, also one that opens while markets still recover
        // from an earlier one: a snapshot from before this hole cannot be brought forward across
        // it (its messages are lost), so `complete` must not find the packets before it. Kept,
        // they let a snapshot taken before the hole (arriving after it was declared: the snapshot
        // channel is another socket) make its market clean without the hole's messages.
        for p in recoveryQueue { packetStore.recycle(p) }
        recoveryQueue.removeAll(keepingCapacity: true)
        queueStart = firstQueued
        if !isRecovering {
            isRecovering = true
            candidate = nil
            notice(tsRecv: currentTsRecv, "recovery feed=snapshot reason=\(reason) from=\(firstQueued)")
        }
    }

    /// A new SessionNumber: a full reset (§8.5).
    private func changeSession(to newSession: UInt16, tsRecv: UInt64) {
        stats.sessionChanges += 1
        if let old = session { retiredSessions.insert(old) }
        currentTsRecv = max(tsRecv, lastTsRecv)
        if eventOpen {
            stager.flush(into: &sink, eventEnded: false)
            eventOpen = false
        }
        notice(tsRecv: currentTsRecv, "reset feed=live reason=session_change session=\(newSession)")
        liveArbiter.reset()
        started = false
        for market in markets {
            market.clearBook()
            market.skipThrough = 0
            market.volume = -1
            market.high = .min
            market.low = .min
            market.vwap = .min
        }
        isRecovering = false
        snapshotExpected = nil
        startRecovery(reason: "session_change", firstQueued: 1)
        started = true  // the new session's first packet is not a late join: every market already recovers
    }

    private func enqueue(_ payload: UnsafeRawBufferPointer, sequence: UInt64, count: Int, tsRecv: UInt64) {
        if recoveryQueue.count >= configuration.maxRecoveryQueue {
            let dropped = recoveryQueue.removeFirst()
            queueStart = dropped.sequence + UInt64(dropped.count)
            packetStore.recycle(dropped)
            stats.recoveryQueueOverflows += 1
        }
        recoveryQueue.append(packetStore.store(payload, sequence: sequence, count: count, tsRecv: tsRecv, line: 0))
    }

    private func receiveSnapshot(_ view: ICEPacketView, tsRecv: UInt64) {
        let header = view.header
        // Snapshot-channel continuity: a lost packet discards the market being received.
        if let expected = snapshotExpected, UInt64(header.sequence) != expected {
            if UInt64(header.sequence) > expected {
                stats.snapshotGaps += 1
                candidate = nil
            }
        }
        snapshotExpected = UInt64(header.sequence) + UInt64(header.count)
        guard isRecovering, !header.isHeartbeat else { return }
        stats.snapshotPacketsUsed += 1
        view.forEachMessage { _, type, body in
            switch type {
            case ICEMarketSnapshot.type:
                guard let c = ICEMarketSnapshot(body: body) else { return malformed() }
                guard let slot = bySlotID[c.marketID] else { stats.unknownMarketMessages += 1; candidate = nil; return }
                candidate = Candidate(slot: slot, sync: UInt64(UInt32(bitPattern: c.lastMessageSequenceID)),
                                      remaining: max(0, Int(c.numOfBookEntries)), tradingStatus: c.tradingStatus)
                if candidate!.remaining == 0 { complete(tsRecv: tsRecv) }
            case ICESnapshotOrder.type:
                guard let d = ICESnapshotOrder(body: body) else { return malformed() }
                guard var c = candidate, markets[c.slot].marketID == d.order.marketID, c.remaining > 0 else { return }
                c.orders.append(d)
                c.remaining -= 1
                candidate = c
                if c.remaining == 0 { complete(tsRecv: tsRecv) }
            default:
                break
            }
        }
    }

    /// A market's `C` and all its `D`s arrived: rebuild it if it is stale and the live messages
    /// after its sync point are all at hand (§11.2).
    private func complete(tsRecv: UInt64) {
        guard let c = candidate else { return }
        candidate = nil
        let market = markets[c.slot]
        guard market.isStale else { return }
        let next = liveArbiter.expected ?? queueStart
        // Live messages sync+1 ..< next must all be in the queue.
        guard c.sync + 1 >= next || queueStart <= c.sync + 1 else { return }
        market.clearBook()
        for d in c.orders {
            guard d.order.isRFQ != UInt8(ascii: "Y") else { continue }
            market.upsert(orderID: d.order.orderID, isBid: d.order.isBid, price: d.order.price &* market.priceFactor,
                          quantity: d.order.quantity, isImplied: d.order.isImplied == UInt8(ascii: "Y"))
        }
        market.tradingStatus = c.tradingStatus
        market.statusTsEvent = undefTimestamp  // a snapshot does not say when the status began
        market.statusTsRecv = currentTsRecv
        for packet in recoveryQueue where packet.sequence + UInt64(packet.count) > c.sync + 1 {
            packet.bytes.withUnsafeBytes {
                process($0, firstSequence: packet.sequence, skip: 0, tsRecv: packet.tsRecv, silentFor: c.slot, after: c.sync)
            }
        }
        market.skipThrough = max(c.sync, next > 0 ? next - 1 : 0)
        market.isStale = false
        stats.marketRecoveries += 1
        let wasOpen = eventOpen
        currentTsRecv = max(tsRecv, lastTsRecv)
        notice(tsRecv: currentTsRecv, instrumentID: market.instrumentID,
               "clean instrument=\(market.marketID) symbol=\(market.symbol) via=snapshot seq=\(c.sync)")
        publishSnapshot(market, sequence: c.sync)
        if !wasOpen { stager.flush(into: &sink, eventEnded: true) }
        if markets.allSatisfy({ !$0.isStale }) {
            isRecovering = false
            stats.recoveries += 1
            for p in recoveryQueue { packetStore.recycle(p) }
            recoveryQueue.removeAll(keepingCapacity: true)
            notice(tsRecv: currentTsRecv, "recovered feed=live")
        }
    }

    /// Every market's definition and book as snapshot records, between `snapshot begin` and
    /// `snapshot end` notices: what a subscriber that joins a running feed starts from.
    public func publishSnapshots(tsRecv: UInt64) {
        let wasOpen = eventOpen
        let saved = currentTsRecv
        currentTsRecv = max(tsRecv, lastTsRecv)
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: currentTsRecv, "snapshot begin reason=subscriber"), slot: 0)
        for (i, m) in reference.markets.enumerated() {
            if schemas.contains(.definition) { stager.stage(ICEMapping.definition(m, tsRecv: currentTsRecv), slot: i + 1) }
            publishSnapshot(markets[i], sequence: (liveArbiter.expected ?? 1) &- 1)
        }
        stager.stage(SystemEvents.make(publisherID: publisherID, tsRecv: currentTsRecv, "snapshot end"), slot: 0)
        if !wasOpen { stager.flush(into: &sink, eventEnded: true) }
        currentTsRecv = saved
    }

    /// A market's book as a snapshot: `R`, then every order (MBO) and every level (MBP), F_SNAPSHOT.
    func publishSnapshot(_ market: ICEMarket, sequence: UInt64) {
        let seq = UInt32(truncatingIfNeeded: sequence)
        let id = market.instrumentID
        let slot = market.slot + 1
        let f: RecordFlags = market.isStale ? [.snapshot, .maybeBadBook] : .snapshot
        let ts = currentTsRecv
        if schemas.contains(.mbo) {
            stager.stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: ts, orderID: 0, price: undefPrice, size: 0, flags: f,
                                channelID: 0, action: .clear, side: .none, tsRecv: ts, sequence: seq), slot: slot)
            for isBid in [true, false] {
                for o in market.sortedOrders(isBid: isBid) {
                    stager.stage(MboMsg(publisherID: publisherID, instrumentID: id, tsEvent: ts, orderID: UInt64(bitPattern: o.orderID),
                                        price: o.price, size: UInt32(clamping: o.quantity), flags: f, channelID: 0, action: .add,
                                        side: isBid ? .bid : .ask, tsRecv: ts, sequence: seq), slot: slot)
                }
            }
        }
        func levels(_ ladder: ICEPriceLadder) -> [PriceLevel] { (0..<min(10, ladder.count)).map { ladder.level($0) } }
        stager.stageBookSnapshot(publisherID: publisherID, instrumentID: id, slot: slot, bids: levels(market.bids), asks: levels(market.asks),
                                 flags: f, tsRecv: ts, sequence: seq, schemas: schemas)
    }
}
