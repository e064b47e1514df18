import ExchangeSim
import FeedEngine
import Testing
import TickFormat
@testable import VenueICE

/// The simulator is the oracle: at every bundle end, for every market not stale, the handler's
/// price book and its order book (rebuilt from the MBO stream) equal the truth; every stale period
/// ends with a recovery; the final order books and the trade tape equal the truth — after loss on
/// both lines, duplicates, reordering and a session change.
@Suite struct ICEOracleTests {
    struct Run {
        var handler: ICEChannelHandler<RecordCollector>
        var simulation: ICESimulation
    }

    /// `snapshotDelayNs`: the snapshot channel's datagrams arrive that much later than sent, behind
    /// live datagrams sent after them (a live receiver reading its sockets in turn sees this).
    static func run(_ config: ICESimulationConfig, snapshotDelayNs: UInt64 = 0) -> Run {
        var simulation = ICESimulator.run(config)
        if snapshotDelayNs > 0 {
            let snapshotGroups = Set(config.addresses.snapshot)
            for i in simulation.datagrams.indices where snapshotGroups.contains(simulation.datagrams[i].destination) {
                simulation.datagrams[i].tsRecv += snapshotDelayNs
            }
            simulation.datagrams = simulation.datagrams.enumerated().sorted { ($0.element.tsRecv, $0.offset) < ($1.element.tsRecv, $1.offset) }
                .map(\.element)
        }
        let handler = ICEChannelHandler(reference: simulation.reference, sink: RecordCollector())
        for d in simulation.datagrams {
            guard let (feed, line) = config.addresses.route(d.destination) else { continue }
            d.payload.withUnsafeBytes { handler.receive($0, feed: feed, line: line, tsRecv: d.tsRecv) }
        }
        handler.finish()
        return Run(handler: handler, simulation: simulation)
    }

    struct Findings: CustomStringConvertible {
        var bookChecks = 0
        var orderChecks = 0
        var stale = 0
        var mismatches: [String] = []
        var description: String { "book checks \(bookChecks), order checks \(orderChecks), stale records \(stale), mismatches \(mismatches.prefix(4))" }
    }

    static func check(_ run: Run) -> Findings {
        var f = Findings()
        let truth = run.simulation.truth
        var history: [Int32: [ICETruth.BookState]] = [:]
        for s in truth.events { history[s.marketID, default: []].append(s) }
        func state(_ id: UInt32, at ts: UInt64) -> ICETruth.BookState? {
            guard let states = history[Int32(bitPattern: id)] else { return nil }
            var lo = 0, hi = states.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if states[mid].tsEvent <= ts { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 ? nil : states[lo - 1]
        }
        func pairs(_ s: ICETruth.BookState) -> [BidAskPair] {
            (0..<10).map { i in
                let b = i < s.bids.count ? s.bids[i] : .empty, a = i < s.asks.count ? s.asks[i] : .empty
                return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: b.orders, askCt: a.orders)
            }
        }
        let records = run.handler.sink
        for r in records.all(Mbp10Msg.self) where r.event.flags.contains(.last) && !r.event.flags.contains(.snapshot) {
            if r.event.flags.contains(.maybeBadBook) { f.stale += 1; continue }
            guard let s = state(r.instrumentID, at: r.tsEvent) else { f.mismatches.append("no truth for \(r.instrumentID) at \(r.tsEvent)"); continue }
            f.bookChecks += 1
            if (0..<10).map({ r.levels[$0] }) != pairs(s) { f.mismatches.append("levels of \(r.instrumentID) at \(r.tsEvent) seq \(r.event.sequence)") }
        }
        // The order book a consumer rebuilds from the MBO stream.
        var books: [UInt32: [UInt64: (Bool, Int64, UInt32)]] = [:]
        var digests: [UInt32: UInt64] = [:]
        for m in records.all(MboMsg.self) {
            let id = m.instrumentID
            switch m.action {
            case .clear: books[id] = [:]; digests[id] = 0
            case .add, .modify:
                if let old = books[id]?[m.orderID] {
                    digests[id, default: 0] &-= ICETruth.digest(orderID: Int64(bitPattern: m.orderID), isBid: old.0, price: old.1, quantity: Int32(old.2))
                }
                books[id, default: [:]][m.orderID] = (m.side == .bid, m.price, m.size)
                digests[id, default: 0] &+= ICETruth.digest(orderID: Int64(bitPattern: m.orderID), isBid: m.side == .bid, price: m.price, quantity: Int32(m.size))
            case .cancel:
                if let old = books[id]?.removeValue(forKey: m.orderID) {
                    digests[id, default: 0] &-= ICETruth.digest(orderID: Int64(bitPattern: m.orderID), isBid: old.0, price: old.1, quantity: Int32(old.2))
                }
            default: break
            }
            guard m.flags.contains(.last), !m.flags.contains(.maybeBadBook), !m.flags.contains(.snapshot) else { continue }
            guard let s = state(id, at: m.tsEvent) else { continue }
            f.orderChecks += 1
            if digests[id] != s.orderDigest { f.mismatches.append("orders of \(id) at \(m.tsEvent) seq \(m.sequence)") }
        }
        // Stale periods end in recoveries; nothing stale at the end.
        for market in run.handler.markets where market.isStale { f.mismatches.append("\(market.symbol) stale at the end") }
        // Final order books, in priority order.
        for market in run.handler.markets {
            let mine = (market.sortedOrders(isBid: true) + market.sortedOrders(isBid: false))
                .map { ICETruth.Order(orderID: $0.orderID, isBid: $0.isBid, price: $0.price, quantity: $0.quantity) }
            if mine != truth.finalOrders[market.marketID] { f.mismatches.append("final orders of \(market.symbol)") }
        }
        // The trade tape: every trade not lost on both lines, in order.
        let expected = truth.trades.filter { !truth.isLost($0.messageKey) }
        let tape = records.all(TradeMsg.self).map { ICETruth.Trade(marketID: Int32(bitPattern: $0.instrumentID), tsEvent: $0.tsEvent, price: $0.price, size: $0.size, side: $0.side) }
        if tape != expected.map({ var t = $0; t.messageKey = 0; return t }) {
            f.mismatches.append("trade tape: \(tape.count) trades, truth \(expected.count)")
        }
        return f
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func booksEqualTheTruthWithLossOnBothLinesDuplicatesAndReordering(seed: UInt64) {
        let config = ICESimulationConfig(seed: seed, durationNs: 40_000_000_000, eventsPerSecond: 250,
                                         lineA: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01, latencyNs: 20_000),
                                         lineB: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01, latencyNs: 35_000))
        let run = Self.run(config)
        let findings = Self.check(run)
        #expect(!run.simulation.truth.lostOnAllLines.isEmpty, "the seed should lose packets on both lines")
        #expect(run.handler.stats.recoveries > 0)
        #expect(findings.bookChecks > 3_000 && findings.orderChecks > 3_000, "\(findings)")
        #expect(findings.mismatches.isEmpty, "\(findings)")
    }

    /// Holes so frequent that new ones open while markets are still recovering from the last, and
    /// snapshots arriving 40 ms late, after live packets sent after them: a snapshot from before
    /// the newest hole must not make its market clean (the hole's messages are lost, so no queue
    /// can bring it forward). Before the fix every one of these seeds published wrong books as
    /// clean (found by the ICE live test under ASan, where the snapshot socket is read late).
    /// Seeds whose capture does not end in the middle of a recovery.
    @Test(arguments: [2, 6, 8, 12] as [UInt64])
    func holesDuringARecoveryKeepSnapshotsFromBeforeThemFromCleaningAMarket(seed: UInt64) {
        let config = ICESimulationConfig(seed: seed, durationNs: 30_000_000_000, eventsPerSecond: 250,
                                         lineA: .init(loss: 0.1, latencyNs: 20_000), lineB: .init(loss: 0.1, latencyNs: 35_000))
        let run = Self.run(config, snapshotDelayNs: 40_000_000)
        let findings = Self.check(run)
        #expect(run.handler.stats.recoveries > 0 && run.handler.stats.marketRecoveries > 8)
        #expect(findings.bookChecks > 1_000 && findings.orderChecks > 1_000, "\(findings)")
        #expect(findings.mismatches.isEmpty, "\(findings)")
    }

    @Test func cleanLinesNeedNoRecovery() {
        let run = Self.run(ICESimulationConfig(seed: 9, durationNs: 20_000_000_000))
        let findings = Self.check(run)
        #expect(run.handler.stats.recoveries == 0 && findings.stale == 0)
        #expect(findings.mismatches.isEmpty, "\(findings)")
    }

    @Test func aSessionChangeResetsAndRecoversEveryMarket() {
        let run = Self.run(ICESimulationConfig(seed: 11, durationNs: 30_000_000_000, lineA: .init(loss: 0.01), sessionChangeAt: 0.5))
        let findings = Self.check(run)
        #expect(run.handler.stats.sessionChanges == 1)
        #expect(run.handler.stats.marketRecoveries >= 8)
        #expect(findings.mismatches.isEmpty, "\(findings)")
    }
}
