public import FeedEngine
public import PacketCapture
import TickFormat
import VenueCME
public import VenueSHFE

/// Settings of one simulated SHFE-style session (specs/shfe-mirp.md; instruments.md: topic 1001,
/// `tk2701`–`tk2712`).
public struct SHFESimulationConfig: Sendable {
    public var seed: UInt64
    public var durationNs: UInt64
    /// Book events per second across the topic.
    public var eventsPerSecond: Double
    public var start: UInt64
    public var lineA: LineImpairment
    public var lineB: LineImpairment
    /// Lines A and B of the topic.
    public var addresses: [Endpoint]
    public var reference: SHFEReferenceData

    public init(seed: UInt64, durationNs: UInt64 = 60_000_000_000, eventsPerSecond: Double = 200,
                start: UInt64 = 1_799_026_200_000_000_000, lineA: LineImpairment = .init(latencyNs: 20_000),
                lineB: LineImpairment = .init(latencyNs: 35_000),
                addresses: [Endpoint] = [Endpoint("239.33.1.10:33001")!, Endpoint("239.33.2.10:33001")!],
                reference: SHFEReferenceData = SHFESimulator.tokenFutures) {
        self.seed = seed
        self.durationNs = durationNs
        self.eventsPerSecond = eventsPerSecond
        self.start = start
        self.lineA = lineA
        self.lineB = lineB
        self.addresses = addresses
        self.reference = reference
    }
}

/// The truth of a simulated SHFE session: each instrument's 5-level book after every packet that
/// touched it, the trades, the final books, the packets lost on both lines.
public struct SHFETruth: Sendable {
    public struct BookState: Sendable, Equatable {
        public var instrumentNo: Int32
        public var packetNo: Int32
        public var bids: [PriceLevel]
        public var asks: [PriceLevel]
    }
    public struct Trade: Sendable, Equatable {
        public var instrumentNo: Int32
        public var packetNo: Int32
        public var price: Int64
        public var size: UInt32
        public init(instrumentNo: Int32, packetNo: Int32, price: Int64, size: UInt32) {
            self.instrumentNo = instrumentNo
            self.packetNo = packetNo
            self.price = price
            self.size = size
        }
    }
    public var events: [BookState] = []
    public var trades: [Trade] = []
    public var finalBooks: [Int32: BookState] = [:]
    public var lostOnAllLines: Set<Int32> = []
    public var packets: Int32 = 0
}

public struct SHFESimulation: Sendable {
    public var datagrams: [SimDatagram]
    public var truth: SHFETruth
    public var reference: SHFEReferenceData
    /// What the MDQP server needs: every incremental packet and each instrument's state after it.
    public var recovery: SHFERecoveryLog
}

/// An instrument's full state after a packet that touched it: what a snapshot reports.
public struct SHFEInstrumentState: Sendable, Equatable {
    public var packetNo: Int32
    public var changeNo: Int64
    public var bids: [PriceLevel]
    public var asks: [PriceLevel]
    public var volume: Int64 = 0
    public var turnoverFen: Int64 = 0
    public var openInterest: Int64 = 0
    /// Prices in 1e-9 units; nil = not set yet.
    public var lastPrice: Int64?
    public var openPrice: Int64?
    public var highestPrice: Int64?
    public var lowestPrice: Int64?
    public var upperLimit: Int64?
    public var lowerLimit: Int64?
}

/// The simulator's memory for recovery: the incremental packets as multicast (PacketNo n at index
/// n − 1) and every instrument's state history, so a snapshot can be served as of any PacketNo.
public struct SHFERecoveryLog: Sendable {
    public var packets: [[UInt8]] = []
    public var states: [Int32: [SHFEInstrumentState]] = [:]

    /// The instrument's state including every packet ≤ `packetNo` (nil: untouched so far).
    public func state(of instrumentNo: Int32, atPacket packetNo: Int32) -> SHFEInstrumentState? {
        guard let history = states[instrumentNo] else { return nil }
        var low = 0, high = history.count  // first index with packetNo > the asked one
        while low < high {
            let mid = (low + high) / 2
            if history[mid].packetNo <= packetNo { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : history[low - 1]
    }
}

/// A seeded, deterministic SHFE-style market: order flow around a random-walk fair price for the
/// 12 token contracts, the 5-level book published by position (add/modify/delete, refilled from
/// the deeper book), trade summaries with exact turnover, limit/open/high/low prices, heartbeats
/// after 3 s of silence, both lines with independent loss, duplication and reordering.
public enum SHFESimulator {
    /// tk2701–tk2712 (specs/instruments.md).
    public static let tokenFutures = SHFEReferenceData(topicID: SHFEMapping.defaultTopicID, instruments: (1...12).map { (n: Int) -> SHFEReferenceData.Instrument in
        let month: String = n < 10 ? "0\(n)" : "\(n)"
        return SHFEReferenceData.Instrument(instrumentNo: Int32(n), symbol: "tk27\(month)", codecPrice: "4.00", priceTick: "0.01",
                                            volumeMultiple: 1000, currency: "CNY", expiration: "2027-\(month)-15")
    })

    public static func run(_ config: SHFESimulationConfig) -> SHFESimulation {
        var engine = SHFEEngine(config: config)
        engine.run()
        return SHFESimulation(datagrams: engine.output.sorted { $0.tsRecv < $1.tsRecv }, truth: engine.truth, reference: config.reference,
                              recovery: engine.recovery)
    }
}

struct SHFEEngine {
    /// Ticks of 0.01 CNY; CodecPrice 4.00 = 400 ticks.
    static let codecTicks: Int64 = 400
    static let tickFP: Int64 = 10_000_000

    struct Instrument {
        var no: Int32
        var book = OrderBookModel()
        var fair: Double
        var published: (bids: [PriceLevel], asks: [PriceLevel]) = ([], [])
        var changeNo: Int64 = 0
        var high: Int64?
        var low: Int64?
        var opened = false
        var limitsSent = false
        var volume: Int64 = 0
        var turnoverFen: Int64 = 0
        var openInterest: Int64 = 0
        var last: Int64?
        var openPrice: Int64?
    }

    let config: SHFESimulationConfig
    var random: SeededRandom
    var instruments: [Instrument] = []
    var truth = SHFETruth()
    var recovery = SHFERecoveryLog()
    var output: [SimDatagram] = []
    var lines: ImpairedLines
    var packetNo: Int32 = 0
    var now: UInt64
    var lastSend: UInt64
    var nextOrderID: UInt64 = 1

    init(config: SHFESimulationConfig) {
        self.config = config
        random = SeededRandom(seed: config.seed)
        lines = ImpairedLines(impairments: [config.lineA, config.lineB], destinations: config.addresses, random: &random)
        now = config.start
        lastSend = config.start
        for m in config.reference.instruments {
            instruments.append(Instrument(no: m.instrumentNo, fair: Double(Self.codecTicks) + (random.unit() - 0.5) * 60))
        }
    }

    var header: MIRPHeader {
        var h = MIRPHeader()
        h.topicID = config.reference.topicID
        h.snapTime = UInt32(now / 1_000_000_000)
        h.snapMillisec = UInt16(now / 1_000_000 % 1000)
        h.snapNo = 1
        h.commPhaseNo = MIRPHeader.commPhaseNo(daysSinceEpoch: Int64(config.start / 86_400_000_000_000))
        return h
    }

    mutating func run() {
        let end = config.start + config.durationNs
        let meanGap = 1e9 / max(config.eventsPerSecond, 0.001)
        while now < end {
            now += UInt64(max(1_000_000, random.exponential(mean: meanGap)))  // at most one packet per ms: SnapMillisec resolution
            heartbeatIfIdle()
            event(Int(random.next() % UInt64(instruments.count)))
        }
        lines.flush(into: &output)
        truth.packets = packetNo
        let a = Set(lines.dropped[0]), b = Set(lines.dropped[1])
        truth.lostOnAllLines = Set(a.intersection(b).filter { $0 != 0 }.map { Int32($0) })
        for inst in instruments {
            truth.finalBooks[inst.no] = .init(instrumentNo: inst.no, packetNo: packetNo, bids: inst.published.bids, asks: inst.published.asks)
        }
    }

    mutating func event(_ i: Int) {
        instruments[i].fair += (random.unit() - 0.5) * 0.8
        instruments[i].fair = min(max(instruments[i].fair, Double(Self.codecTicks - 80)), Double(Self.codecTicks + 150))
        var fields: [MIRPFieldValue] = []
        let book = instruments[i].book
        var trade: (price: Int64, size: Int32)?
        let r = random.unit()
        if book.bidPrices.count < 7 || book.askPrices.count < 7 || r < 0.5 {
            addPassive(i)
        } else if r < 0.8 {
            let ids = instruments[i].book.allOrderIDs
            instruments[i].book.cancel(ids[Int(random.next() % UInt64(ids.count))])
        } else {
            trade = aggress(i)
        }
        // The group: the contract header, the book changes by position, the trade summary, prices.
        instruments[i].changeNo += 1
        fields.append(.contractHeader(instrumentNo: Int64(instruments[i].no), changeNo: instruments[i].changeNo))
        let bids = levels(i, isBid: true), asks = levels(i, isBid: false)
        for (isBid, old, new) in [(true, instruments[i].published.bids, bids), (false, instruments[i].published.asks, asks)] {
            for op in CMEEngine.diff(old: old, new: new, isBid: isBid, depth: 5) {
                let event: UInt8 = op.action == .new ? UInt8(ascii: "1") : op.action == .change ? UInt8(ascii: "2") : UInt8(ascii: "3")
                let offset = op.level.price / Self.tickFP - Self.codecTicks
                fields.append(.priceChange(eventType: event, side: isBid ? UInt8(ascii: "0") : UInt8(ascii: "1"), level: Int64(op.position),
                                           priceOffset: offset, volume: event == UInt8(ascii: "3") ? 0 : Int64(op.level.size)))
            }
        }
        instruments[i].published = (bids, asks)
        if let trade {
            // Turnover in fen: price (ticks of 0.01) × lots × 1000 = fen × 10.
            let fen = trade.price * Int64(trade.size) * 1000
            let oiChange = Int64(random.next() % 7) - 3
            fields.append(.tradeSummary(lastPriceOffset: trade.price - Self.codecTicks, volumeChange: Int64(trade.size),
                                        turnoverChangeFen: fen, openInterestChange: oiChange))
            instruments[i].volume += Int64(trade.size)
            instruments[i].turnoverFen += fen
            instruments[i].openInterest += oiChange
            instruments[i].last = trade.price
        }
        var prices: [MIRPFieldValue] = []
        if !instruments[i].limitsSent {
            instruments[i].limitsSent = true
            prices += [.price(field: MIRPField.upperLimitPrice, offset: 144), .price(field: MIRPField.lowerLimitPrice, offset: -144)]
        }
        if let trade {
            if !instruments[i].opened { instruments[i].opened = true; instruments[i].openPrice = trade.price; prices.append(.price(field: MIRPField.openPrice, offset: trade.price - Self.codecTicks)) }
            if trade.price > (instruments[i].high ?? .min) { instruments[i].high = trade.price; prices.append(.price(field: MIRPField.highestPrice, offset: trade.price - Self.codecTicks)) }
            if trade.price < (instruments[i].low ?? .max) { instruments[i].low = trade.price; prices.append(.price(field: MIRPField.lowestPrice, offset: trade.price - Self.codecTicks)) }
        }
        fields += prices.sorted { $0.fieldID < $1.fieldID }
        packetNo += 1
        var h = header
        h.packetNo = packetNo
        let packet = MIRPPacket.encode(h, fields: fields)
        lines.send(packet, sequence: UInt64(packetNo), sendingTime: now, into: &output)
        lastSend = now
        truth.events.append(.init(instrumentNo: instruments[i].no, packetNo: packetNo, bids: bids, asks: asks))
        recovery.packets.append(packet)
        recovery.states[instruments[i].no, default: []].append(state(i, bids: bids, asks: asks))
        if let trade {
            truth.trades.append(.init(instrumentNo: instruments[i].no, packetNo: packetNo, price: trade.price * Self.tickFP, size: UInt32(trade.size)))
        }
    }

    /// Instrument `i` after the packet just sent (prices in 1e-9 units).
    func state(_ i: Int, bids: [PriceLevel], asks: [PriceLevel]) -> SHFEInstrumentState {
        let m = instruments[i]
        func fp(_ ticks: Int64?) -> Int64? { ticks.map { $0 * Self.tickFP } }
        return SHFEInstrumentState(packetNo: packetNo, changeNo: m.changeNo, bids: bids, asks: asks, volume: m.volume, turnoverFen: m.turnoverFen,
                                   openInterest: m.openInterest, lastPrice: fp(m.last), openPrice: fp(m.openPrice),
                                   highestPrice: fp(m.high), lowestPrice: fp(m.low), upperLimit: fp(Self.codecTicks + 144),
                                   lowerLimit: fp(Self.codecTicks - 144))
    }

    mutating func addPassive(_ i: Int) {
        let book = instruments[i].book
        let isBid = book.bidPrices.count == book.askPrices.count ? random.chance(0.5) : book.bidPrices.count < book.askPrices.count
        let fair = Int64(instruments[i].fair.rounded())
        var price = isBid ? fair - Int64(1 + random.geometric(0.3)) : fair + Int64(1 + random.geometric(0.3))
        if isBid, let ask = book.bestAsk { price = min(price, ask - 1) }
        if !isBid, let bid = book.bestBid { price = max(price, bid + 1) }
        nextOrderID += 1
        instruments[i].book.add(SimOrder(id: nextOrderID, isBid: isBid, price: price, size: Int32(1 + random.geometric(0.1))))
    }

    /// An aggressive order at the best price of the other side: the trade summary's volume and last price.
    mutating func aggress(_ i: Int) -> (price: Int64, size: Int32)? {
        let book = instruments[i].book
        guard let bid = book.bestBid, let ask = book.bestAsk else { return nil }
        let isBuy = random.chance(instruments[i].fair > Double(bid + ask) / 2 ? 0.65 : 0.35)
        let (fills, _) = instruments[i].book.aggress(isBuy: isBuy, limit: isBuy ? ask : bid, size: Int32(1 + random.geometric(0.1)))
        guard let last = fills.last else { return nil }
        return (last.price, fills.reduce(0) { $0 + $1.size })
    }

    func levels(_ i: Int, isBid: Bool) -> [PriceLevel] {
        instruments[i].book.levels(isBid: isBid, depth: 5).map { PriceLevel(price: $0.price * Self.tickFP, size: UInt32($0.size), orders: 0) }
    }

    /// A heartbeat after 3 s without a packet: PacketNo = the last incremental's.
    mutating func heartbeatIfIdle() {
        while now - lastSend >= 3_000_000_000 {
            let saved = now
            now = lastSend + 3_000_000_000
            var h = header
            h.typeID = MIRPHeader.heartbeat
            h.packetNo = packetNo
            lines.send(MIRPPacket.encode(h, fields: []), sequence: 0, sendingTime: now, into: &output)
            lastSend = now
            now = saved
        }
    }
}
