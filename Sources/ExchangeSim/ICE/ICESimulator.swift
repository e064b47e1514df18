public import FeedEngine
import PacketCapture
public import TickFormat
public import VenueICE

/// One market of the simulated ICE-style channel (specs/instruments.md: Ornn compute price index futures).
public struct ICEMarketSpec: Sendable {
    public var marketID: Int32
    public var symbol: String
    public var underlying: String
    public var expiration: String
    /// Typical price range in ticks of 0.001 USD.
    public var lowTick: Int64
    public var highTick: Int64

    /// The 8 markets 72001–72008: H100, H200, B200, RTX5090 × Mar27, Jun27.
    public static let ornn: [ICEMarketSpec] = {
        let products: [(String, Int64, Int64)] = [("H100", 1900, 2900), ("H200", 2600, 3800), ("B200", 4200, 6200), ("RTX5090", 450, 950)]
        var specs: [ICEMarketSpec] = []
        for (p, (name, low, high)) in products.enumerated() {
            for (m, (month, expiry)) in [("Mar27", "2027-03-26"), ("Jun27", "2027-06-25")].enumerated() {
                specs.append(ICEMarketSpec(marketID: 72001 + Int32(p * 2 + m), symbol: "OCX \(name) \(month)", underlying: name,
                                           expiration: expiry, lowTick: low, highTick: high))
            }
        }
        return specs
    }()

    /// The reference data file shipped with a capture of these markets.
    public static func reference(_ specs: [ICEMarketSpec]) -> ICEReferenceData {
        ICEReferenceData(markets: specs.map {
            .init(marketID: $0.marketID, symbol: $0.symbol, underlying: $0.underlying, dealPriceDenominator: 3, tick: "0.001",
                  contractSize: 1000, currency: "USD", expiration: $0.expiration)
        })
    }
}

/// Settings of one simulated ICE-style session.
public struct ICESimulationConfig: Sendable {
    public var seed: UInt64
    public var durationNs: UInt64
    /// Matching events (adds, cancels, modifies, aggressive orders) per second across the channel.
    public var eventsPerSecond: Double
    public var start: UInt64
    /// Impairments of live lines A and B; the snapshot channel (one line) shares line A's.
    public var lineA: LineImpairment
    public var lineB: LineImpairment
    public var snapshotIntervalNs: UInt64
    /// When set, ICE restarts its multicast server at this fraction of the session: a new SessionNumber.
    public var sessionChangeAt: Double?
    public var addresses: ICEChannelAddresses
    public var markets: [ICEMarketSpec]

    public init(seed: UInt64, durationNs: UInt64 = 60_000_000_000, eventsPerSecond: Double = 200,
                start: UInt64 = 1_799_073_000_000_000_000, lineA: LineImpairment = .init(latencyNs: 20_000),
                lineB: LineImpairment = .init(latencyNs: 35_000), snapshotIntervalNs: UInt64 = 1_000_000_000,
                sessionChangeAt: Double? = nil, addresses: ICEChannelAddresses = .fullOrderDepth,
                markets: [ICEMarketSpec] = ICEMarketSpec.ornn) {
        self.seed = seed
        self.durationNs = durationNs
        self.eventsPerSecond = eventsPerSecond
        self.start = start
        self.lineA = lineA
        self.lineB = lineB
        self.snapshotIntervalNs = snapshotIntervalNs
        self.sessionChangeAt = sessionChangeAt
        self.addresses = addresses
        self.markets = markets
    }
}

/// The truth of a simulated ICE session: after every matching event, each touched market's
/// price levels and a digest of its order set; the trade tape; the final order books.
public struct ICETruth: Sendable {
    public struct BookState: Sendable, Equatable {
        public var marketID: Int32
        /// The event's time (the `ts_event` of its order and trade records; unique per event).
        public var tsEvent: UInt64
        public var bids: [PriceLevel]
        public var asks: [PriceLevel]
        /// `ICETruth.digest` of the market's orders.
        public var orderDigest: UInt64
    }
    public struct Order: Sendable, Equatable {
        public var orderID: Int64
        public var isBid: Bool
        /// 1e-9 units.
        public var price: Int64
        public var quantity: Int32
        public init(orderID: Int64, isBid: Bool, price: Int64, quantity: Int32) {
            self.orderID = orderID
            self.isBid = isBid
            self.price = price
            self.quantity = quantity
        }
    }
    public struct Trade: Sendable, Equatable {
        public var marketID: Int32
        public var tsEvent: UInt64
        public var price: Int64
        public var size: UInt32
        public var side: Side
        /// The `G` message's session and sequence number: `session << 32 | sequence`.
        public var messageKey: UInt64 = 0
        public init(marketID: Int32, tsEvent: UInt64, price: Int64, size: UInt32, side: Side, messageKey: UInt64 = 0) {
            self.marketID = marketID
            self.tsEvent = tsEvent
            self.price = price
            self.size = size
            self.side = side
            self.messageKey = messageKey
        }
    }
    public var events: [BookState] = []
    public var trades: [Trade] = []
    /// Each market's orders at the end: bids best first then asks best first, time priority within a price.
    public var finalOrders: [Int32: [Order]] = [:]
    /// Live packets no line delivered, as `session << 32 | first sequence` → message count.
    public var lostOnAllLines: [UInt64: Int] = [:]

    /// Whether the live message `session << 32 | sequence` was lost on every line.
    public func isLost(_ key: UInt64) -> Bool {
        lostOnAllLines.contains { key >= $0.key && key < $0.key + UInt64($0.value) }
    }
    public var livePackets = 0
    public var sessionChanges = 0

    /// An order-set digest that does not depend on order: the wrapping sum of a mix of each order.
    public static func digest(orderID: Int64, isBid: Bool, price: Int64, quantity: Int32) -> UInt64 {
        var z = UInt64(bitPattern: orderID) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: price) &* 0xBF58_476D_1CE4_E5B9
        z ^= UInt64(UInt32(bitPattern: quantity)) << 1 | (isBid ? 1 : 0)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A simulated session: the datagrams as captured (sorted by capture time), the truth, and the
/// reference data that goes with the capture.
public struct ICESimulation: Sendable {
    public var datagrams: [SimDatagram]
    public var truth: ICETruth
    public var reference: ICEReferenceData
}

/// A seeded, deterministic ICE-style market (specs/ice-impact.md): order flow with real order ids
/// around a random-walk fair price (adds, cancels, size and price modifications, aggressive orders
/// that trade through several levels, partial fills as delete + add with a new OrderID), one
/// bundle per matching event, trading-status changes, statistics, open/close/settlement prices
/// and open interest, the snapshot channel cycling, lines A and B with independent loss,
/// duplication and reordering, and optionally a session change.
public enum ICESimulator {
    public static func run(_ config: ICESimulationConfig) -> ICESimulation {
        var engine = ICEEngine(config: config)
        engine.run()
        return ICESimulation(datagrams: engine.output.sorted { $0.tsRecv < $1.tsRecv }, truth: engine.truth,
                             reference: ICEMarketSpec.reference(config.markets))
    }
}

struct ICEEngine {
    /// 0.001 USD in 1e-9 units.
    static let tick: Int64 = 1_000_000

    struct Market {
        var spec: ICEMarketSpec
        var book = OrderBookModel()
        var fair: Double
        var volume: Int32 = 0
        var open: Int64?
        var high: Int64 = 0
        var low: Int64 = 0
        var turnover: Int64 = 0
        var lastTrade: (price: Int64, quantity: Int32, time: UInt64)?
        var openInterest: Int32
        var status = UInt8(ascii: "1")
    }

    let config: ICESimulationConfig
    var random: SeededRandom
    var markets: [Market] = []
    var truth = ICETruth()
    var output: [SimDatagram] = []
    var liveLines: ImpairedLines
    var snapshotLine: ImpairedLines
    var session: UInt16 = 1
    /// The next live message sequence number.
    var liveSeq: UInt32 = 1
    var snapshotSeq: UInt32 = 1
    var packet: [[UInt8]] = []
    var packetBytes = ICEWire.headerLength
    var packetFirstSeq: UInt32 = 1
    var packetTime: UInt64 = 0
    var lastLiveSend: UInt64
    var now: UInt64
    var nextOrderID: Int64 = 9_000_000_000_000
    var nextTradeID: Int64 = 880_000
    var nextTransaction: Int64 = 4_400_000
    /// Messages per live packet, by `session << 32 | first sequence`.
    var packetCounts: [UInt64: Int] = [:]

    init(config: ICESimulationConfig) {
        self.config = config
        random = SeededRandom(seed: config.seed)
        liveLines = ImpairedLines(impairments: [config.lineA, config.lineB], destinations: config.addresses.live, random: &random)
        var snapshotImpairment = config.lineA
        snapshotImpairment.duplicate = 0
        snapshotImpairment.reorder = 0
        snapshotLine = ImpairedLines(impairments: [snapshotImpairment], destinations: config.addresses.snapshot, random: &random)
        now = config.start
        lastLiveSend = config.start
        for spec in config.markets {
            let mid = Double(spec.lowTick + spec.highTick) / 2
            let fair = mid + (random.unit() - 0.5) * Double(spec.highTick - spec.lowTick) * 0.3
            markets.append(Market(spec: spec, fair: fair, openInterest: Int32(1000 + random.next() % 9000)))
        }
    }

    var ms: Int64 { Int64(now / 1_000_000) }

    // MARK: - Timeline

    mutating func run() {
        let end = config.start + config.durationNs
        let openAt = config.start + config.durationNs / 20
        let preCloseAt = config.start + config.durationNs * 88 / 100
        let closeAt = config.start + config.durationNs * 92 / 100
        let sessionAt = config.sessionChangeAt.map { config.start + UInt64(Double(config.durationNs) * $0) }
        var sessionDone = false
        var nextSnapshot = config.start + 200_000_000
        var phase = 0
        let meanGap = 1e9 / max(config.eventsPerSecond, 0.001)
        now += 10_000_000
        for i in markets.indices {
            stateChange(i, UInt8(ascii: "1"))
            openInterest(i)
        }
        while now < end {
            now += UInt64(max(1, random.exponential(mean: meanGap)))
            while nextSnapshot <= now {
                sendSnapshotCycle()
                nextSnapshot += config.snapshotIntervalNs
            }
            heartbeatIfIdle()
            if let sessionAt, !sessionDone, now >= sessionAt { sessionDone = true; changeSession() }
            if phase == 0 && now >= openAt { phase = 1; for i in markets.indices { stateChange(i, UInt8(ascii: "O")) } }
            if phase == 1 && now >= preCloseAt { phase = 2; for i in markets.indices { stateChange(i, UInt8(ascii: "2")) } }
            if phase == 2 && now >= closeAt {
                phase = 3
                for i in markets.indices {
                    stateChange(i, UInt8(ascii: "C"))
                    closeAndSettle(i)
                }
            }
            if phase == 3 { continue }
            let i = Int(random.next() % UInt64(markets.count))
            event(i, trading: phase == 1)
        }
        flushPacket()
        liveLines.flush(into: &output)
        snapshotLine.flush(into: &output)
        let lostA = Set(liveLines.dropped[0]), lostB = Set(liveLines.dropped[1])
        for key in lostA.intersection(lostB) where key != 0 { truth.lostOnAllLines[key] = packetCounts[key] }
        for m in markets {
            truth.finalOrders[m.spec.marketID] = (m.book.orders(isBid: true) + m.book.orders(isBid: false)).map {
                ICETruth.Order(orderID: Int64($0.id), isBid: $0.isBid, price: $0.price * Self.tick, quantity: $0.size)
            }
        }
    }

    // MARK: - Matching events

    mutating func event(_ i: Int, trading: Bool) {
        now += 1
        markets[i].fair += (random.unit() - 0.5) * 0.8
        markets[i].fair = min(max(markets[i].fair, Double(markets[i].spec.lowTick + 20)), Double(markets[i].spec.highTick - 20))
        let book = markets[i].book
        let r = random.unit()
        if book.bidPrices.count < 12 || book.askPrices.count < 12 || r < 0.42 {
            addPassive(i, preferBid: book.bidPrices.count < book.askPrices.count)
        } else if r < 0.70 || book.orderCount > 400 {
            cancelRandom(i)
        } else if r < 0.82 {
            modifyRandom(i)
        } else if trading {
            aggress(i)
        } else {
            addPassive(i, preferBid: random.chance(0.5))
        }
    }

    mutating func addPassive(_ i: Int, preferBid: Bool) {
        let isBid = random.chance(0.7) ? preferBid : !preferBid
        let fair = Int64(markets[i].fair.rounded())
        let distance = Int64(1 + random.geometric(0.15))
        var price = isBid ? fair - distance : fair + distance
        if isBid, let ask = markets[i].book.bestAsk { price = min(price, ask - 1) }
        if !isBid, let bid = markets[i].book.bestBid { price = max(price, bid + 1) }
        let size = Int32(1 + random.geometric(0.15))
        nextOrderID += 1
        let order = SimOrder(id: UInt64(nextOrderID), isBid: isBid, price: price, size: size)
        markets[i].book.add(order)
        bundle(i, transaction: 0, [addOrder(i, order, modify: false)])
    }

    mutating func cancelRandom(_ i: Int) {
        let ids = markets[i].book.allOrderIDs
        guard !ids.isEmpty else { return addPassive(i, preferBid: true) }
        let id = ids[Int(random.next() % UInt64(ids.count))]
        markets[i].book.cancel(id)
        bundle(i, transaction: 0, [deleteOrder(i, Int64(id))])
    }

    /// A size reduction keeps the order's place; a price change sends it to the back of its new level.
    mutating func modifyRandom(_ i: Int) {
        let ids = markets[i].book.allOrderIDs
        guard let id = ids.isEmpty ? nil : ids[Int(random.next() % UInt64(ids.count))], var order = markets[i].book.order(id) else {
            return addPassive(i, preferBid: true)
        }
        if order.size > 1 && random.chance(0.6) {
            order.size = Int32(1 + random.next() % UInt64(order.size - 1))
            markets[i].book.reduce(id, to: order.size)
        } else {
            let step = Int64(1 + random.next() % 3)
            var price = order.isBid ? order.price - step : order.price + step
            if order.isBid, let ask = markets[i].book.bestAsk { price = min(price, ask - 1) }
            if !order.isBid, let bid = markets[i].book.bestBid { price = max(price, bid + 1) }
            guard price != order.price else { return cancelRandom(i) }
            markets[i].book.cancel(id)
            order.price = price
            markets[i].book.add(order)
        }
        bundle(i, transaction: 0, [addOrder(i, order, modify: true)])
    }

    mutating func aggress(_ i: Int) {
        let m = markets[i]
        guard let bid = m.book.bestBid, let ask = m.book.bestAsk else { return addPassive(i, preferBid: true) }
        let isBuy = random.chance(m.fair > Double(bid + ask) / 2 ? 0.65 : 0.35)
        let through = Int64(random.geometric(0.5))
        let limit = isBuy ? ask + through : bid - through
        let size = Int32(1 + random.geometric(0.12))
        let (fills, remainder) = markets[i].book.aggress(isBuy: isBuy, limit: limit, size: size)
        guard !fills.isEmpty else { return addPassive(i, preferBid: isBuy) }
        var messages: [[UInt8]] = []
        let id = markets[i].spec.marketID
        for fill in fills {
            nextTradeID += 1
            var g = ICETrade()
            g.marketID = id
            g.tradeID = nextTradeID
            g.price = fill.price
            g.quantity = fill.size
            g.transactDateTimeMs = ms
            g.aggressorSide = isBuy ? UInt8(ascii: "1") : UInt8(ascii: "2")
            g.requestReceivedNs = Int64(now)
            messages.append(g.framed)
            truth.trades.append(.init(marketID: id, tsEvent: now, price: fill.price * Self.tick, size: UInt32(fill.size), side: isBuy ? .bid : .ask))
            markets[i].volume += fill.size
            markets[i].turnover += fill.price * Int64(fill.size)
            if markets[i].open == nil {
                markets[i].open = fill.price
                var n = ICEOpenPrice()
                n.fields.marketID = id
                n.fields.price = fill.price
                n.fields.messageDateTimeMs = ms
                messages.append(n.framed)
            }
            markets[i].high = markets[i].high == 0 ? fill.price : max(markets[i].high, fill.price)
            markets[i].low = markets[i].low == 0 ? fill.price : min(markets[i].low, fill.price)
            markets[i].lastTrade = (fill.price, fill.size, now)
            // The resting order: gone, or (partly filled) replaced by its remainder under a new OrderID.
            messages.append(deleteOrder(i, Int64(fill.restingID)))
            if let rest = markets[i].book.order(fill.restingID) {
                markets[i].book.cancel(fill.restingID)
                nextOrderID += 1
                let renewed = SimOrder(id: UInt64(nextOrderID), isBid: rest.isBid, price: rest.price, size: rest.size)
                markets[i].book.add(renewed)
                messages.append(addOrder(i, renewed, modify: false))
            }
        }
        if remainder > 0 && random.chance(0.5) {
            nextOrderID += 1
            let rest = SimOrder(id: UInt64(nextOrderID), isBid: isBuy, price: limit, size: remainder)
            markets[i].book.add(rest)
            messages.append(addOrder(i, rest, modify: false))
        }
        var j = ICEMarketStatistics()
        j.marketID = id
        j.volume = markets[i].volume
        j.high = markets[i].high
        j.low = markets[i].low
        j.vwap = markets[i].volume > 0 ? markets[i].turnover / Int64(markets[i].volume) : 0
        j.messageDateTimeMs = ms
        messages.append(j.framed)
        markets[i].fair = markets[i].fair * 0.8 + Double(fills.last!.price) * 0.2
        nextTransaction += 1
        bundle(i, transaction: nextTransaction, messages)
    }

    func addOrder(_ i: Int, _ o: SimOrder, modify: Bool) -> [UInt8] {
        var e = ICEAddOrModifyOrder()
        e.order.marketID = markets[i].spec.marketID
        e.order.orderID = Int64(o.id)
        e.order.side = o.isBid ? UInt8(ascii: "1") : UInt8(ascii: "2")
        e.order.price = o.price
        e.order.quantity = o.size
        e.order.orderEntryDateTimeMs = ms
        e.modifyFlags = modify ? ICEAddOrModifyOrder.isModifyOrder : 0
        e.modificationTimestampNs = Int64(now) + 500
        e.requestReceivedNs = Int64(now)
        return e.framed
    }

    func deleteOrder(_ i: Int, _ id: Int64) -> [UInt8] {
        var f = ICEDeleteOrder()
        f.marketID = markets[i].spec.marketID
        f.orderID = id
        f.messageDateTimeMs = ms
        f.requestReceivedNs = Int64(now)
        return f.framed
    }

    /// One matching event: a bundle (start marker, the messages, end marker), then the truth.
    mutating func bundle(_ i: Int, transaction: Int64, _ messages: [[UInt8]]) {
        var start = ICEBundleMarker()
        start.tradeTransactionID = transaction
        appendLive(start.framed)
        // The event's trades are the truth's last ones, in the order of their `G` messages.
        var trade = truth.trades.count - messages.filter { $0[0] == ICETrade.type }.count
        for m in messages {
            if m[0] == ICETrade.type {
                truth.trades[trade].messageKey = UInt64(session) << 32 | UInt64(liveSeq)
                trade += 1
            }
            appendLive(m)
        }
        var end = ICEBundleMarker()
        end.startOrEnd = UInt8(ascii: "E")
        end.tradeTransactionID = transaction
        end.isTransactionEnd = UInt8(ascii: "Y")
        appendLive(end.framed)
        recordTruth(i)
    }

    mutating func recordTruth(_ i: Int) {
        let book = markets[i].book
        func levels(_ isBid: Bool) -> [PriceLevel] {
            book.levels(isBid: isBid, depth: 10).map { PriceLevel(price: $0.price * Self.tick, size: UInt32($0.size), orders: UInt32($0.orders)) }
        }
        var digest: UInt64 = 0
        for o in book.orders(isBid: true) + book.orders(isBid: false) {
            digest &+= ICETruth.digest(orderID: Int64(o.id), isBid: o.isBid, price: o.price * Self.tick, quantity: o.size)
        }
        truth.events.append(.init(marketID: markets[i].spec.marketID, tsEvent: now, bids: levels(true), asks: levels(false), orderDigest: digest))
    }

    // MARK: - Status and statistics (single messages, outside bundles)

    mutating func stateChange(_ i: Int, _ status: UInt8) {
        now += 1
        markets[i].status = status
        var k = ICEMarketStateChange()
        k.marketID = markets[i].spec.marketID
        k.tradingStatus = status
        k.messageDateTimeMs = ms
        appendLive(k.framed)
    }

    mutating func openInterest(_ i: Int) {
        now += 1
        var m = ICEOpenInterest()
        m.marketID = markets[i].spec.marketID
        m.openInterest = markets[i].openInterest
        m.messageDateTimeMs = ms
        m.openInterestDate = tradeDate
        appendLive(m.framed)
    }

    var tradeDate: UInt32 {
        let d = Timestamps.civilDate(daysSinceEpoch: Int64(config.start / 86_400_000_000_000))
        return UInt32(d.year * 10_000 + d.month * 100 + d.day)
    }

    mutating func closeAndSettle(_ i: Int) {
        now += 1
        let id = markets[i].spec.marketID
        let close = markets[i].lastTrade?.price ?? Int64(markets[i].fair.rounded())
        var c = ICEClosePrice()
        c.fields.marketID = id
        c.fields.price = close
        c.fields.messageDateTimeMs = ms
        appendLive(c.framed)
        var o = ICESettlementPrice()
        o.marketID = id
        o.settlementPriceWithDealPricePrecision = close
        o.settlementPrice = close
        o.messageDateTimeMs = ms
        o.isOfficial = UInt8(ascii: "Y")
        o.valuationDateTimeMs = Int64(config.start / 86_400_000_000_000 * 86_400_000)
        appendLive(o.framed)
        markets[i].openInterest += Int32(markets[i].volume / 3)
        openInterest(i)
    }

    // MARK: - Packets

    mutating func appendLive(_ message: [UInt8]) {
        if !packet.isEmpty && packetBytes + message.count > ICEWire.maxPayload { flushPacket() }
        if packet.isEmpty {
            packetFirstSeq = liveSeq
            packetTime = now
        }
        packet.append(message)
        packetBytes += message.count
        liveSeq += 1
    }

    mutating func flushPacket() {
        guard !packet.isEmpty else { return }
        let sent = packetTime + 1_000
        let bytes = ICEPacket.encode(session: session, sequence: packetFirstSeq, sentNs: sent, messages: packet)
        let key = UInt64(session) << 32 | UInt64(packetFirstSeq)
        packetCounts[key] = packet.count
        liveLines.send(bytes, sequence: key, sendingTime: sent, into: &output)
        truth.livePackets += 1
        lastLiveSend = packetTime
        packet.removeAll(keepingCapacity: true)
        packetBytes = ICEWire.headerLength
    }

    /// Packets go out at the end of each event's messages unless more follow at once; here at
    /// every event boundary for a realistic packet rate.
    mutating func heartbeatIfIdle() {
        flushPacket()
        guard now - lastLiveSend >= 1_000_000_000 else { return }
        let t = lastLiveSend + 1_000_000_000
        let bytes = ICEPacket.encode(session: session, sequence: liveSeq, sentNs: t, messages: [])
        liveLines.send(bytes, sequence: 0, sendingTime: t, into: &output)
        lastLiveSend = t
    }

    /// ICE restarts its multicast server: a new SessionNumber, sequence numbers from 1; the
    /// matching engine (and so the books) carries on.
    mutating func changeSession() {
        flushPacket()
        session += 1
        liveSeq = 1
        snapshotSeq = 1
        truth.sessionChanges += 1
    }

    /// One snapshot cycle: per market a `C` synchronised with the last live message sent, then a
    /// `D` per order; packets on the snapshot channel with its own sequence numbers.
    mutating func sendSnapshotCycle() {
        flushPacket()
        var messages: [[UInt8]] = []
        for m in markets {
            let orders = m.book.orders(isBid: true) + m.book.orders(isBid: false)
            var c = ICEMarketSnapshot()
            c.marketID = m.spec.marketID
            c.tradingStatus = m.status
            c.volume = m.volume
            c.openInterest = m.openInterest
            c.openingPrice = m.open ?? 0
            c.high = m.high
            c.low = m.low
            c.vwap = m.volume > 0 ? m.turnover / Int64(m.volume) : 0
            c.numOfBookEntries = Int32(orders.count)
            c.lastTradePrice = m.lastTrade?.price ?? 0
            c.lastTradeQuantity = m.lastTrade?.quantity ?? 0
            c.lastTradeDateTimeMs = Int64((m.lastTrade?.time ?? 0) / 1_000_000)
            c.lastMessageSequenceID = Int32(bitPattern: liveSeq - 1)
            c.openInterestDate = tradeDate
            messages.append(c.framed)
            for o in orders {
                var d = ICESnapshotOrder()
                d.order.marketID = m.spec.marketID
                d.order.orderID = Int64(o.id)
                d.order.side = o.isBid ? UInt8(ascii: "1") : UInt8(ascii: "2")
                d.order.price = o.price
                d.order.quantity = o.size
                d.order.orderEntryDateTimeMs = ms
                messages.append(d.framed)
            }
        }
        var t = now
        var batch: [[UInt8]] = []
        var bytes = ICEWire.headerLength
        func send(_ engine: inout ICEEngine) {
            guard !batch.isEmpty else { return }
            let payload = ICEPacket.encode(session: engine.session, sequence: engine.snapshotSeq, sentNs: t, messages: batch)
            engine.snapshotLine.send(payload, sequence: UInt64(engine.snapshotSeq), sendingTime: t, into: &engine.output)
            engine.snapshotSeq += UInt32(batch.count)
            batch.removeAll()
            bytes = ICEWire.headerLength
            t += 20_000
        }
        for m in messages {
            if bytes + m.count > ICEWire.maxPayload { send(&self) }
            batch.append(m)
            bytes += m.count
        }
        send(&self)
    }
}
