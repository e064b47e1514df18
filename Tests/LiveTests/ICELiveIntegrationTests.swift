import ComputeFeed
import ExchangeSim
import Foundation
import Testing

/// Simulator → loopback multicast (ICE live lines A and B with seeded loss, the snapshot channel) →
/// FeedHandler → subscriber: the order book the subscriber rebuilds from the MBO stream, and its
/// last consistent price books, equal the simulator's truth.
@Suite(.serialized) struct ICELiveIntegrationTests {
    static let addresses = ICEChannelAddresses(live: [Endpoint("239.77.1.10:46510")!, Endpoint("239.77.2.10:46511")!],
                                               snapshot: [Endpoint("239.77.1.11:46512")!])

    final class Collected: @unchecked Sendable {
        var orders: [UInt32: [UInt64: (Bool, Int64, UInt32)]] = [:]
        var books: [UInt32: Mbp10Msg] = [:]
        var gaps = 0
        var done = false
    }

    @Test func simulatorToMulticastToSubscriberGivesTheTrueOrderBooks() throws {
        let config = ICESimulationConfig(seed: 12, durationNs: 20_000_000_000, eventsPerSecond: 150,
                                         lineA: LineImpairment(loss: 0.05, latencyNs: 20_000), lineB: LineImpairment(loss: 0.05, latencyNs: 35_000),
                                         addresses: Self.addresses)
        let simulation = ICESimulator.run(config)
        #expect(!simulation.truth.lostOnAllLines.isEmpty, "some packets must be lost on both lines")

        let feed = FeedHandler(settings: .init(interface: IPv4Address("127.0.0.1")!,
                                               venue: .ice(reference: simulation.reference, addresses: Self.addresses)))
        let subscription = feed.subscribe(schemas: [.mbo, .mbp10, .system], policy: .lossless, wait: .park)
        let collected = Collected()
        let reader = Thread {
            while !collected.done || subscription.poll({ _ in }) > 0 {
                subscription.poll { record in
                    if let m = record.as(MboMsg.self) {
                        switch m.action {
                        case .clear: collected.orders[m.instrumentID] = [:]
                        case .add, .modify: collected.orders[m.instrumentID, default: [:]][m.orderID] = (m.side == .bid, m.price, m.size)
                        case .cancel: collected.orders[m.instrumentID]?[m.orderID] = nil
                        default: break
                        }
                    }
                    if let book = record.as(Mbp10Msg.self), book.event.flags.contains(.last), !book.event.flags.contains(.maybeBadBook) {
                        collected.books[book.instrumentID] = book
                    }
                    if let notice = record.as(SystemMsg.self), notice.msg.string.hasPrefix("gap ") { collected.gaps += 1 }
                }
                usleep(200)
            }
        }
        try playOnLoopback(simulation.datagrams, feed: feed, reader: reader) { collected.done = true }
        #expect(feed.failure == nil)

        #expect(feed.kernelDrops == 0)
        let stats = try #require(feed.iceChannelStats)
        #expect(stats.recoveries >= 1, "\(stats)")
        #expect(collected.gaps >= 1)
        #expect(stats.marketRecoveries >= 8, "\(stats)")
        // A market can still be stale when the feed stops: lost packets near the end of the run,
        // with no later snapshot of it, or only one taken before the last hole (unusable: the
        // hole's messages are lost). Its records say so (F_MAYBE_BAD_BOOK) and its book may differ
        // from the truth; every market the feed calls clean must equal it.
        let staleAtEnd = Set(feed.iceMarkets.filter(\.isStale).map(\.marketID))
        #expect(staleAtEnd.count <= 4, "most markets end recovered; stale: \(staleAtEnd)")
        for (marketID, truth) in simulation.truth.finalOrders where !staleAtEnd.contains(marketID) {
            let id = UInt32(bitPattern: marketID)
            let mine = collected.orders[id] ?? [:]
            #expect(mine.count == truth.count, "market \(marketID)")
            for o in truth {
                let got = mine[UInt64(bitPattern: o.orderID)]
                #expect(got.map { $0.0 == o.isBid && $0.1 == o.price && $0.2 == UInt32(o.quantity) } == true, "market \(marketID) order \(o.orderID)")
            }
            // The last consistent price book equals the aggregate of the true orders.
            let book = try #require(collected.books[id], "no consistent book for \(marketID)")
            var bids: [Int64: (UInt32, UInt32)] = [:], asks: [Int64: (UInt32, UInt32)] = [:]
            for o in truth {
                if o.isBid { bids[o.price, default: (0, 0)].0 += UInt32(o.quantity); bids[o.price, default: (0, 0)].1 += 1 }
                else { asks[o.price, default: (0, 0)].0 += UInt32(o.quantity); asks[o.price, default: (0, 0)].1 += 1 }
            }
            let trueBids = bids.sorted { $0.key > $1.key }.prefix(10).map { [$0.key, Int64($0.value.0), Int64($0.value.1)] }
            let trueAsks = asks.sorted { $0.key < $1.key }.prefix(10).map { [$0.key, Int64($0.value.0), Int64($0.value.1)] }
            let gotBids = (0..<10).filter { book.levels[$0].bidPx != .max }.map { [book.levels[$0].bidPx, Int64(book.levels[$0].bidSz), Int64(book.levels[$0].bidCt)] }
            let gotAsks = (0..<10).filter { book.levels[$0].askPx != .max }.map { [book.levels[$0].askPx, Int64(book.levels[$0].askSz), Int64(book.levels[$0].askCt)] }
            #expect(gotBids == trueBids && gotAsks == trueAsks, "market \(marketID)")
        }
    }
}
