public import FeedEngine
import PacketCapture
public import TickFormat
public import VenueCME

/// One contract of the simulated CME-style channel (specs/instruments.md).
public struct CMEContractSpec: Sendable {
    public var securityID: Int32
    public var symbol: String
    public var group: String
    public var asset: String
    public var maturityYear: UInt16
    public var maturityMonth: UInt8
    /// Typical price range in ticks of 0.005 USD.
    public var lowTick: Int64
    public var highTick: Int64

    /// The 8 contracts of channel 410: GH1 (H100) and GB2 (B200), Mar/Jun/Sep/Dec 2027.
    public static let channel410: [CMEContractSpec] = {
        let months: [(String, UInt8)] = [("H", 3), ("M", 6), ("U", 9), ("Z", 12)]
        var specs: [CMEContractSpec] = []
        for (i, (code, month)) in months.enumerated() {
            specs.append(CMEContractSpec(securityID: 910_001 + Int32(i), symbol: "GH1\(code)7", group: "GH", asset: "GH1",
                                         maturityYear: 2027, maturityMonth: month, lowTick: 420, highTick: 620))
        }
        for (i, (code, month)) in months.enumerated() {
            specs.append(CMEContractSpec(securityID: 910_011 + Int32(i), symbol: "GB2\(code)7", group: "GB", asset: "GB2",
                                         maturityYear: 2027, maturityMonth: month, lowTick: 900, highTick: 1300))
        }
        return specs
    }()
}

/// Settings of one simulated CME-style session.
public struct CMESimulationConfig: Sendable {
    public var seed: UInt64
    public var durationNs: UInt64
    /// Book events (adds, cancels, modifies, aggressive orders) per second across the channel.
    public var eventsPerSecond: Double
    public var start: UInt64
    /// Impairments of lines A and B (the same settings apply to all three feeds).
    public var lineA: LineImpairment
    public var lineB: LineImpairment
    public var snapshotLoopIntervalNs: UInt64
    public var definitionLoopIntervalNs: UInt64
    /// When set, a ChannelReset at this fraction of the session.
    public var channelResetAt: Double?
    public var addresses: CMEChannelAddresses
    public var contracts: [CMEContractSpec]

    public init(seed: UInt64, durationNs: UInt64 = 60_000_000_000, eventsPerSecond: Double = 200,
                start: UInt64 = 1_799_073_000_000_000_000, lineA: LineImpairment = .init(latencyNs: 20_000),
                lineB: LineImpairment = .init(latencyNs: 35_000), snapshotLoopIntervalNs: UInt64 = 1_000_000_000,
                definitionLoopIntervalNs: UInt64 = 5_000_000_000, channelResetAt: Double? = nil,
                addresses: CMEChannelAddresses = .channel410, contracts: [CMEContractSpec] = CMEContractSpec.channel410) {
        self.seed = seed
        self.durationNs = durationNs
        self.eventsPerSecond = eventsPerSecond
        self.start = start
        self.lineA = lineA
        self.lineB = lineB
        self.snapshotLoopIntervalNs = snapshotLoopIntervalNs
        self.definitionLoopIntervalNs = definitionLoopIntervalNs
        self.channelResetAt = channelResetAt
        self.addresses = addresses
        self.contracts = contracts
    }
}

/// The truth of a simulated session: the MBP book after every event, the trade tape, and which
/// incremental packets every line lost.
public struct CMETruth: Sendable {
    public struct BookState: Sendable, Equatable {
        public var instrumentID: UInt32
        /// TransactTime of the event (unique per event).
        public var tsEvent: UInt64
        public var bids: [PriceLevel]
        public var asks: [PriceLevel]
    }
    public struct Trade: Sendable, Equatable {
        public var instrumentID: UInt32
        public var tsEvent: UInt64
        public var price: Int64
        public var size: UInt32
        public var side: Side
        /// MsgSeqNum of the incremental packet that carried it.
        public var packetSequence: UInt32
    }
    public var events: [BookState] = []
    public var trades: [Trade] = []
    public var finalBooks: [UInt32: BookState] = [:]
    /// Incremental MsgSeqNums that no line delivered.
    public var lostOnAllLines: Set<UInt32> = []
    public var incrementalPackets: UInt32 = 0
    public var symbols: [UInt32: String] = [:]
}

/// A simulated session: the datagrams as captured (sorted by capture time) and the truth.
public struct CMESimulation: Sendable {
    public var datagrams: [SimDatagram]
    public var truth: CMETruth
}

/// A seeded, deterministic CME-style market for the contracts of one channel: realistic order
/// flow around a random-walk fair price (adds, cancels, size reductions, aggressive orders that
/// trade through several levels), trading-status changes (pre-open, open, a halt, close), session
/// and daily statistics with settlement, the definition and snapshot loops, and the incremental
/// feed on lines A and B with independent loss, duplication and reordering.
public enum CMESimulator {
    public static func run(_ config: CMESimulationConfig) -> CMESimulation {
        var engine = CMEEngine(config: config)
        engine.run()
        return CMESimulation(datagrams: engine.output.sorted { $0.tsRecv < $1.tsRecv }, truth: engine.truth)
    }
}

/// The simulator's state while it runs.
struct CMEEngine {
    static let tick: Int64 = 5_000_000
    static let depth = 10

    struct Instrument {
        var spec: CMEContractSpec
        var book = OrderBookModel()
        var fair: Double
        var publishedBids: [PriceLevel] = []
        var publishedAsks: [PriceLevel] = []
        var rptSeq: UInt32 = 0
        var tradeEntryID: UInt32 = 0
        var volume: Int32 = 0
        var open: Int64?
        var high: Int64?
        var low: Int64?
        var lastTrade: (price: Int64, size: Int32)?
        var openInterest: Int32
        var settlement: Int64?
        var clearedVolume: Int32?
        var status: UInt8 = SecurityTradingStatus.preOpen
        var lastEventTime: UInt64 = 0
    }

    let config: CMESimulationConfig
    var random: SeededRandom
    var instruments: [Instrument] = []
    var truth = CMETruth()
    var output: [SimDatagram] = []
    var incrementalLines: ImpairedLines
    var snapshotLines: ImpairedLines
    var definitionLines: ImpairedLines
    var incrementalSeq: UInt32 = 0
    var packet: MDP3PacketBuilder?
    var packetTime: UInt64 = 0
    var now: UInt64
    var lastIncrementalSend: UInt64
    var nextOrderID: UInt64 = 5_550_000_000
    var definitions: [Definition54] = []
    var touched: Set<Int> = []

    init(config: CMESimulationConfig) {
        self.config = config
        random = SeededRandom(seed: config.seed)
        let lines = [config.lineA, config.lineB]
        incrementalLines = ImpairedLines(impairments: lines, destinations: config.addresses.incremental, random: &random)
        snapshotLines = ImpairedLines(impairments: lines, destinations: config.addresses.snapshot, random: &random)
        definitionLines = ImpairedLines(impairments: lines, destinations: config.addresses.definition, random: &random)
        now = config.start
        lastIncrementalSend = config.start
        for spec in config.contracts {
            let mid = Double(spec.lowTick + spec.highTick) / 2
            let fair = mid + (random.unit() - 0.5) * Double(spec.highTick - spec.lowTick) * 0.3
            instruments.append(Instrument(spec: spec, fair: fair, openInterest: Int32(1000 + random.next() % 9000)))
            truth.symbols[UInt32(bitPattern: spec.securityID)] = spec.symbol
        }
        definitions = instruments.map { Self.definition(for: $0.spec, start: config.start, count: config.contracts.count) }
    }

    static func definition(for spec: CMEContractSpec, start: UInt64, count: Int) -> Definition54 {
        var d = Definition54()
        d.totNumReports = UInt32(count)
        d.securityUpdateAction = UInt8(ascii: "A")
        d.lastUpdateTime = start - 3_600_000_000_000
        d.tradingStatus = SecurityTradingStatus.preOpen
        d.applID = 410
        d.marketSegmentID = 1
        d.underlyingProduct = 2
        d.securityExchange = "XCME"
        d.securityGroup = spec.group
        d.asset = spec.asset
        d.symbol = spec.symbol
        d.securityID = spec.securityID
        d.securityType = "FUT"
        d.cfiCode = "FCAXSX"
        d.maturityYear = spec.maturityYear
        d.maturityMonth = spec.maturityMonth
        d.currency = "USD"
        d.matchAlgorithm = UInt8(ascii: "F")
        d.minTradeVol = 1
        d.maxTradeVol = 500
        d.minPriceIncrement = tick
        d.displayFactor = 1_000_000_000
        d.priceDisplayFormat = 3
        d.unitOfMeasure = "GPUH"
        d.unitOfMeasureQty = 1_000_000_000_000
        d.highLimitPrice = spec.highTick * 2 * tick
        d.lowLimitPrice = spec.lowTick / 2 * tick
        d.minPriceIncrementAmount = 5_000_000_000
        d.userDefinedInstrument = UInt8(ascii: "N")
        // Last trading day: the third Friday-ish of the contract month, 14:00 UTC (modelled).
        let days = Timestamps.daysSinceEpoch(year: Int64(spec.maturityYear), month: Int64(spec.maturityMonth), day: 17)
        d.events = [.init(eventType: Definition54.eventActivation, eventTime: 1_767_225_600_000_000_000),
                    .init(eventType: Definition54.eventLastEligibleTradeDate, eventTime: UInt64(days) * 86_400_000_000_000 + 50_400_000_000_000)]
        d.feedTypes = [.init(feedType: "GBX", marketDepth: 10)]
        d.instAttribValues = [0]
        d.lotTypeRules = [.init(lotType: 2, minLotSize: 10_000)]
        return d
    }

    // MARK: - Timeline

    mutating func run() {
        let end = config.start + config.durationNs
        let openAt = config.start + config.durationNs / 20
        let haltAt = config.start + config.durationNs / 2
        let resumeAt = haltAt + min(3_000_000_000, config.durationNs / 10)
        let closeAt = config.start + config.durationNs * 92 / 100
        let resetAt = config.channelResetAt.map { config.start + UInt64(Double(config.durationNs) * $0) }
        var nextSnapshotLoop = config.start + 200_000_000
        var nextDefinitionLoop = config.start
        var phase = 0  // 0 pre-open, 1 open, 2 halted (GB), 3 resumed, 4 closed
        var resetDone = false
        let meanGap = 1e9 / max(config.eventsPerSecond, 0.001)
        // Definitions first, then the pre-open state and last session's open interest.
        sendDefinitionLoop()
        nextDefinitionLoop += config.definitionLoopIntervalNs
        now += 50_000_000
        statusEvent(group: nil, status: SecurityTradingStatus.preOpen, haltReason: 0)
        dailyStatistics(openInterestOnly: true)
        while now < end {
            now += UInt64(max(1, random.exponential(mean: meanGap)))
            while nextDefinitionLoop <= now {
                sendDefinitionLoop()
                nextDefinitionLoop += config.definitionLoopIntervalNs
            }
            while nextSnapshotLoop <= now {
                sendSnapshotLoop(at: now)
                nextSnapshotLoop += config.snapshotLoopIntervalNs
            }
            heartbeatIfIdle()
            if phase == 0 && now >= openAt { phase = 1; statusEvent(group: nil, status: SecurityTradingStatus.readyToTrade, haltReason: 0) }
            if phase == 1 && now >= haltAt { phase = 2; statusEvent(group: "GB", status: SecurityTradingStatus.tradingHalt, haltReason: 2) }
            if phase == 2 && now >= resumeAt { phase = 3; statusEvent(group: "GB", status: SecurityTradingStatus.readyToTrade, haltReason: 2) }
            if phase == 3 && now >= closeAt {
                phase = 4
                statusEvent(group: nil, status: SecurityTradingStatus.close, haltReason: 0)
                dailyStatistics(openInterestOnly: false)
            }
            if let resetAt, !resetDone, now >= resetAt { resetDone = true; channelReset() }
            if phase == 4 { continue }
            let i = Int(random.next() % UInt64(instruments.count))
            if instruments[i].status == SecurityTradingStatus.tradingHalt { continue }
            bookEvent(i, trading: phase != 0)
        }
        flushPacket()
        incrementalLines.flush(into: &output)
        snapshotLines.flush(into: &output)
        definitionLines.flush(into: &output)
        truth.incrementalPackets = incrementalSeq
        let lostA = Set(incrementalLines.dropped[0]), lostB = Set(incrementalLines.dropped[1])
        truth.lostOnAllLines = Set(lostA.intersection(lostB).map { UInt32($0) })
        for inst in instruments {
            let id = UInt32(bitPattern: inst.spec.securityID)
            truth.finalBooks[id] = .init(instrumentID: id, tsEvent: inst.lastEventTime, bids: inst.publishedBids, asks: inst.publishedAsks)
        }
    }

    // MARK: - Order flow

    mutating func bookEvent(_ i: Int, trading: Bool) {
        now += 1
        var inst = instruments[i]
        // The fair price walks; it stays inside the contract's typical range.
        inst.fair += (random.unit() - 0.5) * 0.6
        inst.fair = min(max(inst.fair, Double(inst.spec.lowTick + 20)), Double(inst.spec.highTick - 20))
        instruments[i] = inst
        let depthBid = instruments[i].book.bidPrices.count, depthAsk = instruments[i].book.askPrices.count
        let r = random.unit()
        if depthBid < 12 || depthAsk < 12 || r < 0.45 {
            addPassive(i, preferBid: depthBid < depthAsk)
        } else if r < 0.75 || instruments[i].book.orderCount > 400 {
            cancelRandom(i)
        } else if r < 0.83 {
            reduceRandom(i)
        } else if trading {
            aggress(i)
        } else {
            addPassive(i, preferBid: random.chance(0.5))
        }
    }

    mutating func addPassive(_ i: Int, preferBid: Bool) {
        let isBid = random.chance(0.7) ? preferBid : !preferBid
        let fair = Int64(instruments[i].fair.rounded())
        let distance = Int64(1 + random.geometric(0.18))
        var price = isBid ? fair - distance : fair + distance
        if isBid, let ask = instruments[i].book.bestAsk { price = min(price, ask - 1) }
        if !isBid, let bid = instruments[i].book.bestBid { price = max(price, bid + 1) }
        let size = Int32(1 + random.geometric(0.15))
        nextOrderID += 1
        instruments[i].book.add(SimOrder(id: nextOrderID, isBid: isBid, price: price, size: size))
        publishBook(i, endOfEvent: true, messages: [])
    }

    mutating func cancelRandom(_ i: Int) {
        let ids = instruments[i].book.allOrderIDs
        guard !ids.isEmpty else { return addPassive(i, preferBid: true) }
        // Far orders are cancelled more often than near ones, to keep the book shape.
        let id = ids[Int(random.next() % UInt64(ids.count))]
        instruments[i].book.cancel(id)
        publishBook(i, endOfEvent: true, messages: [])
    }

    mutating func reduceRandom(_ i: Int) {
        let ids = instruments[i].book.allOrderIDs
        guard let id = ids.isEmpty ? nil : ids[Int(random.next() % UInt64(ids.count))],
              let order = instruments[i].book.order(id), order.size > 1 else { return cancelRandom(i) }
        instruments[i].book.reduce(id, to: Int32(1 + random.next() % UInt64(order.size - 1)))
        publishBook(i, endOfEvent: true, messages: [])
    }

    mutating func aggress(_ i: Int) {
        let inst = instruments[i]
        guard let bid = inst.book.bestBid, let ask = inst.book.bestAsk else { return addPassive(i, preferBid: true) }
        let mid = Double(bid + ask) / 2
        let isBuy = random.chance(inst.fair > mid ? 0.65 : 0.35)
        let through = Int64(random.geometric(0.55))
        let limit = isBuy ? ask + through : bid - through
        let size = Int32(1 + random.geometric(0.12))
        nextOrderID += 1
        let aggressorID = nextOrderID
        let (fills, remainder) = instruments[i].book.aggress(isBuy: isBuy, limit: limit, size: size)
        if remainder > 0 && random.chance(0.5) {
            instruments[i].book.add(SimOrder(id: aggressorID, isBid: isBuy, price: limit, size: remainder))
        }
        guard !fills.isEmpty else { return publishBook(i, endOfEvent: true, messages: []) }
        var messages: [[UInt8]] = []
        // Trade summary: one entry per price, order detail aggressor first (§8.4).
        var entries: [TradeSummary48.Entry] = []
        var orders: [TradeSummary48.OrderEntry] = []
        var byPrice: [(price: Int64, fills: [SimFill])] = []
        for fill in fills {
            if byPrice.last?.price == fill.price { byPrice[byPrice.count - 1].fills.append(fill) } else { byPrice.append((fill.price, [fill])) }
        }
        let id = UInt32(bitPattern: instruments[i].spec.securityID)
        for step in byPrice {
            let qty = step.fills.reduce(0) { $0 + $1.size }
            instruments[i].rptSeq += 1
            instruments[i].tradeEntryID += 1
            entries.append(.init(price: step.price * Self.tick, size: qty, securityID: instruments[i].spec.securityID,
                                 rptSeq: instruments[i].rptSeq, numberOfOrders: Int32(step.fills.count + 1),
                                 aggressorSide: isBuy ? AggressorSide.buy : AggressorSide.sell,
                                 tradeEntryID: instruments[i].tradeEntryID))
            orders.append(.init(orderID: aggressorID, lastQty: qty))
            orders += step.fills.map { .init(orderID: $0.restingID, lastQty: $0.size) }
            instruments[i].volume += qty
            instruments[i].lastTrade = (step.price * Self.tick, qty)
            truth.trades.append(.init(instrumentID: id, tsEvent: now, price: step.price * Self.tick, size: UInt32(qty),
                                      side: isBuy ? .bid : .ask, packetSequence: 0))  // sequence set when sent
        }
        messages.append(TradeSummary48(transactTime: now, matchEventIndicator: .lastTradeMsg, entries: entries, orders: orders).encoded())
        instruments[i].rptSeq += 1
        messages.append(Volume37(transactTime: now, matchEventIndicator: .lastVolumeMsg, entries: [
            .init(size: instruments[i].volume, securityID: instruments[i].spec.securityID, rptSeq: instruments[i].rptSeq),
        ]).encoded())
        var stats: [SessionStatistics51.Entry] = []
        let prices = byPrice.map { $0.price * Self.tick }
        if instruments[i].open == nil {
            instruments[i].open = prices[0]
            instruments[i].rptSeq += 1
            stats.append(.init(price: prices[0], securityID: instruments[i].spec.securityID, rptSeq: instruments[i].rptSeq,
                               openCloseSettlFlag: 0, entryType: MDEntryType.openPrice))
        }
        if let hi = prices.max(), hi > (instruments[i].high ?? .min) {
            instruments[i].high = hi
            instruments[i].rptSeq += 1
            stats.append(.init(price: hi, securityID: instruments[i].spec.securityID, rptSeq: instruments[i].rptSeq, entryType: MDEntryType.sessionHigh))
        }
        if let lo = prices.min(), lo < (instruments[i].low ?? .max) {
            instruments[i].low = lo
            instruments[i].rptSeq += 1
            stats.append(.init(price: lo, securityID: instruments[i].spec.securityID, rptSeq: instruments[i].rptSeq, entryType: MDEntryType.sessionLow))
        }
        if !stats.isEmpty { messages.append(SessionStatistics51(transactTime: now, matchEventIndicator: .lastStatsMsg, entries: stats).encoded()) }
        // The fair price follows the trades a little.
        instruments[i].fair = instruments[i].fair * 0.8 + Double(byPrice.last!.price) * 0.2
        let tradeCount = byPrice.count
        publishBook(i, endOfEvent: true, messages: messages, tradesToStamp: tradeCount)
    }

    // MARK: - Publishing

    /// Sends the event's messages and the MBP diff of instrument `i` (46, EndOfEvent last), then
    /// records the truth.
    mutating func publishBook(_ i: Int, endOfEvent: Bool, messages: [[UInt8]], tradesToStamp: Int = 0,
                              recovery: Bool = false) {
        instruments[i].lastEventTime = now
        let bids = levels(i, isBid: true), asks = levels(i, isBid: false)
        var entries: [Book46.Entry] = []
        for (isBid, old, new) in [(true, instruments[i].publishedBids, bids), (false, instruments[i].publishedAsks, asks)] {
            for op in Self.diff(old: old, new: new, isBid: isBid, depth: Self.depth) {
                instruments[i].rptSeq += 1
                entries.append(.init(price: op.level.price, size: Int32(op.level.size), securityID: instruments[i].spec.securityID,
                                     rptSeq: instruments[i].rptSeq, numberOfOrders: Int32(op.level.orders),
                                     priceLevel: UInt8(op.position), updateAction: op.action,
                                     entryType: isBid ? MDEntryType.bid : MDEntryType.offer))
            }
        }
        instruments[i].publishedBids = bids
        instruments[i].publishedAsks = asks
        var all = messages
        var indicator: MatchEventIndicator = [.lastQuoteMsg]
        if recovery { indicator.insert(.recoveryMsg) }
        // At most 255 entries per message (numInGroup is a uint8); 40 keeps packets small.
        var chunks = stride(from: 0, to: entries.count, by: 40).map { Array(entries[$0..<min($0 + 40, entries.count)]) }
        if chunks.isEmpty && all.isEmpty { chunks = [] }
        for chunk in chunks { all.append(Book46(transactTime: now, matchEventIndicator: indicator, entries: chunk).encoded()) }
        guard !all.isEmpty else { return }
        if endOfEvent { all[all.count - 1][10 + 8] |= MatchEventIndicator.endOfEvent.rawValue }
        let firstTrade = truth.trades.count - tradesToStamp
        for (n, message) in all.enumerated() {
            append(message)
            // The trade summary is the event's first message: its packet carries the trades.
            if n == 0 { for t in firstTrade..<truth.trades.count { truth.trades[t].packetSequence = incrementalSeq } }
        }
        if endOfEvent { flushPacket() }
        let id = UInt32(bitPattern: instruments[i].spec.securityID)
        truth.events.append(.init(instrumentID: id, tsEvent: now, bids: bids, asks: asks))
    }

    func levels(_ i: Int, isBid: Bool) -> [PriceLevel] {
        instruments[i].book.levels(isBid: isBid, depth: Self.depth).map {
            PriceLevel(price: $0.price * Self.tick, size: UInt32($0.size), orders: UInt32($0.orders))
        }
    }

    /// The positional operations (New / Change / Delete) that turn the published levels `old` into
    /// `new` under MDP 3.0 §8.1 (a Delete shifts up, a New shifts down, the level past `depth`
    /// falls off, a refill is a New at the last level).
    static func diff(old: [PriceLevel], new: [PriceLevel], isBid: Bool, depth: Int)
        -> [(action: MDUpdateAction, position: Int, level: PriceLevel)]
    {
        var working = old
        var ops: [(MDUpdateAction, Int, PriceLevel)] = []
        var i = 0
        func better(_ a: Int64, _ b: Int64) -> Bool { isBid ? a > b : a < b }
        while i < depth {
            let w = i < working.count ? working[i] : nil
            let n = i < new.count ? new[i] : nil
            switch (w, n) {
            case (nil, nil):
                return ops
            case (let w?, nil):
                ops.append((.delete, i + 1, w))
                working.remove(at: i)
            case (nil, let n?):
                ops.append((.new, i + 1, n))
                working.insert(n, at: i)
                i += 1
            case (let w?, let n?):
                if w.price == n.price {
                    if w != n { ops.append((.change, i + 1, n)) }
                    working[i] = n
                    i += 1
                } else if better(n.price, w.price) {
                    ops.append((.new, i + 1, n))
                    working.insert(n, at: i)
                    if working.count > depth { working.removeLast() }
                    i += 1
                } else {
                    ops.append((.delete, i + 1, w))
                    working.remove(at: i)
                }
            }
        }
        return ops
    }

    mutating func statusEvent(group: String?, status: UInt8, haltReason: UInt8) {
        now += 1
        let groups = group.map { [$0] } ?? Array(Set(instruments.map(\.spec.group))).sorted()
        for (n, g) in groups.enumerated() {
            for i in instruments.indices where instruments[i].spec.group == g { instruments[i].status = status }
            append(SecurityStatus30(transactTime: now, securityGroup: g, asset: "", securityID: MDP3.nullInt32,
                                    tradeDate: tradeDate, matchEventIndicator: n == groups.count - 1 ? .endOfEvent : [],
                                    tradingStatus: status, haltReason: haltReason,
                                    tradingEvent: SecurityTradingEvent.noEvent).encoded())
        }
        flushPacket()
    }

    var tradeDate: UInt16 { UInt16(config.start / 86_400_000_000_000) }

    /// Daily statistics (49): last session's open interest at the start; settlement, cleared
    /// volume and open interest after the close.
    mutating func dailyStatistics(openInterestOnly: Bool) {
        for i in instruments.indices {
            now += 1
            var entries: [DailyStatistics49.Entry] = []
            let id = instruments[i].spec.securityID
            if !openInterestOnly {
                let settle = instruments[i].lastTrade?.price ?? Int64(instruments[i].fair.rounded()) * Self.tick
                instruments[i].settlement = settle
                instruments[i].clearedVolume = instruments[i].volume
                instruments[i].openInterest += instruments[i].volume / 3
                instruments[i].rptSeq += 1
                entries.append(.init(price: settle, size: MDP3.nullInt32, securityID: id, rptSeq: instruments[i].rptSeq,
                                     tradingReferenceDate: tradeDate, settlPriceType: SettlPriceType.finalDaily | SettlPriceType.actual,
                                     entryType: MDEntryType.settlementPrice))
                instruments[i].rptSeq += 1
                entries.append(.init(price: MDP3.nullPrice, size: instruments[i].volume, securityID: id, rptSeq: instruments[i].rptSeq,
                                     tradingReferenceDate: tradeDate, settlPriceType: 0, entryType: MDEntryType.clearedVolume))
            }
            instruments[i].rptSeq += 1
            entries.append(.init(price: MDP3.nullPrice, size: instruments[i].openInterest, securityID: id, rptSeq: instruments[i].rptSeq,
                                 tradingReferenceDate: tradeDate, settlPriceType: 0, entryType: MDEntryType.openInterest))
            instruments[i].lastEventTime = now
            append(DailyStatistics49(transactTime: now, matchEventIndicator: .endOfEvent, entries: entries).encoded())
        }
        flushPacket()
    }

    /// ChannelReset4 (§9.6): books and statistics are emptied; the book state is re-sent as
    /// incremental messages with RptSeq restarting at 1 and the RecoveryMsg bit.
    mutating func channelReset() {
        now += 1
        append(ChannelReset4(transactTime: now, matchEventIndicator: .endOfEvent, applIDs: [410]).encoded())
        flushPacket()
        for i in instruments.indices {
            instruments[i].rptSeq = 0
            instruments[i].publishedBids = []
            instruments[i].publishedAsks = []
            instruments[i].open = nil
            instruments[i].high = nil
            instruments[i].low = nil
            now += 1
            publishBook(i, endOfEvent: true, messages: [], recovery: true)
        }
    }

    // MARK: - Packets

    mutating func append(_ message: [UInt8]) {
        if let p = packet, p.count + message.count > MDP3.maxPayload { flushPacket() }
        if packet == nil {
            incrementalSeq += 1
            packetTime = now
            packet = MDP3PacketBuilder(msgSeqNum: incrementalSeq, sendingTime: now + 1_000)
        }
        packet!.append(message)
    }

    mutating func flushPacket() {
        guard let p = packet else { return }
        packet = nil
        incrementalLines.send(p.bytes, sequence: UInt64(incrementalSeq), sendingTime: packetTime + 1_000, into: &output)
        lastIncrementalSend = packetTime
    }

    /// AdminHeartbeat12 on an incremental feed idle for a second (§9.7).
    mutating func heartbeatIfIdle() {
        guard packet == nil, now - lastIncrementalSend >= 1_000_000_000 else { return }
        let saved = now
        now = lastIncrementalSend + 1_000_000_000
        append([10, 0, 0, 0, 12, 0, 1, 0, 13, 0])
        flushPacket()
        now = saved
    }

    /// One full definition loop: MsgSeqNum from 1, three definitions per packet.
    mutating func sendDefinitionLoop() {
        var seq: UInt32 = 0
        var t = now
        for chunk in stride(from: 0, to: definitions.count, by: 3) {
            seq += 1
            var p = MDP3PacketBuilder(msgSeqNum: seq, sendingTime: t)
            for d in definitions[chunk..<min(chunk + 3, definitions.count)] { p.append(d) }
            definitionLines.send(p.bytes, sequence: UInt64(seq), sendingTime: t, into: &output)
            t += 2_000_000
        }
    }

    /// One full snapshot loop taken at `time`: one SnapshotFullRefresh52 per instrument, MsgSeqNum
    /// from 1, each reflecting every incremental packet sent so far.
    mutating func sendSnapshotLoop(at time: UInt64) {
        if packet != nil { flushPacket() }
        var seq: UInt32 = 0
        for i in instruments.indices {
            seq += 1
            let inst = instruments[i]
            var entries: [Snapshot52.Entry] = []
            for (k, l) in inst.publishedBids.enumerated() {
                entries.append(.init(price: l.price, size: Int32(l.size), numberOfOrders: Int32(l.orders), priceLevel: Int8(k + 1), entryType: MDEntryType.bid))
            }
            for (k, l) in inst.publishedAsks.enumerated() {
                entries.append(.init(price: l.price, size: Int32(l.size), numberOfOrders: Int32(l.orders), priceLevel: Int8(k + 1), entryType: MDEntryType.offer))
            }
            if let trade = inst.lastTrade { entries.append(.init(price: trade.price, size: trade.size, entryType: MDEntryType.trade)) }
            if let open = inst.open { entries.append(.init(price: open, openCloseSettlFlag: 0, entryType: MDEntryType.openPrice)) }
            if let high = inst.high { entries.append(.init(price: high, entryType: MDEntryType.sessionHigh)) }
            if let low = inst.low { entries.append(.init(price: low, entryType: MDEntryType.sessionLow)) }
            if inst.volume > 0 { entries.append(.init(size: inst.volume, entryType: MDEntryType.electronicVolume)) }
            entries.append(.init(size: inst.openInterest, tradingReferenceDate: tradeDate, entryType: MDEntryType.openInterest))
            if let settle = inst.settlement {
                entries.append(.init(price: settle, tradingReferenceDate: tradeDate, settlPriceType: SettlPriceType.finalDaily | SettlPriceType.actual,
                                     entryType: MDEntryType.settlementPrice))
            }
            if let cleared = inst.clearedVolume { entries.append(.init(size: cleared, tradingReferenceDate: tradeDate, entryType: MDEntryType.clearedVolume)) }
            let snapshot = Snapshot52(lastMsgSeqNumProcessed: incrementalSeq, totNumReports: UInt32(instruments.count),
                                      securityID: inst.spec.securityID, rptSeq: inst.rptSeq, transactTime: inst.lastEventTime,
                                      lastUpdateTime: definitions[i].lastUpdateTime, tradeDate: tradeDate,
                                      tradingStatus: inst.status, highLimitPrice: definitions[i].highLimitPrice,
                                      lowLimitPrice: definitions[i].lowLimitPrice, entries: entries)
            var p = MDP3PacketBuilder(msgSeqNum: seq, sendingTime: time + UInt64(i) * 1000)
            p.append(snapshot)
            snapshotLines.send(p.bytes, sequence: UInt64(seq), sendingTime: time + UInt64(i) * 1000, into: &output)
        }
    }
}

import Foundation
