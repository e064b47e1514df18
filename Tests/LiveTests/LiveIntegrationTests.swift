import ComputeFeed
import ExchangeSim
import Foundation
import Testing

/// Simulator → loopback multicast (lines A and B, seeded loss) → FeedHandler → subscriber: the
/// subscriber's final books equal the simulator's truth.
@Suite(.serialized) struct LiveIntegrationTests {
    /// Channel addresses private to this test (loopback only).
    static let addresses = CMEChannelAddresses(
        incremental: [Endpoint("239.78.1.10:47410")!, Endpoint("239.78.2.10:47411")!],
        snapshot: [Endpoint("239.78.1.11:47412")!, Endpoint("239.78.2.11:47413")!],
        definition: [Endpoint("239.78.1.12:47414")!, Endpoint("239.78.2.12:47415")!])

    final class Collected: @unchecked Sendable {
        var books: [UInt32: Mbp10Msg] = [:]
        var trades = 0
        var systemNotices: [String] = []
        var done = false
    }

    @Test func simulatorToMulticastToSubscriberGivesTheTrueBooks() throws {
        let config = CMESimulationConfig(
            seed: 11, durationNs: 20_000_000_000, eventsPerSecond: 150,
            lineA: LineImpairment(loss: 0.02, latencyNs: 20_000), lineB: LineImpairment(loss: 0.02, latencyNs: 35_000),
            addresses: Self.addresses)
        let simulation = CMESimulator.run(config)
        #expect(!simulation.truth.lostOnAllLines.isEmpty, "some packets must be lost on both lines")

        let feed = FeedHandler(settings: .init(addresses: Self.addresses, interface: IPv4Address("127.0.0.1")!))
        let subscription = feed.subscribe(schemas: [.mbp10, .trades, .system], policy: .lossless, wait: .park)
        let collected = Collected()
        let reader = Thread {
            while !collected.done || subscription.poll({ _ in }) > 0 {
                subscription.poll { record in
                    if let book = record.as(Mbp10Msg.self), book.event.flags.contains(.last),
                       !book.event.flags.contains(.maybeBadBook) {
                        collected.books[book.instrumentID] = book
                    }
                    if record.rtype == .mbp0 { collected.trades += 1 }
                    if let notice = record.as(SystemMsg.self) { collected.systemNotices.append(notice.msg.string) }
                }
                usleep(200)
            }
        }
        try playOnLoopback(simulation.datagrams, feed: feed, reader: reader) { collected.done = true }
        #expect(feed.failure == nil)

        #expect(feed.kernelDrops == 0)
        let stats = try #require(feed.channelStats)
        #expect(stats.recoveries >= 1, "\(stats)")
        for (id, truth) in simulation.truth.finalBooks {
            let book = try #require(collected.books[id], "no consistent book published for \(id)")
            let bids = (0..<10).compactMap { i in book.levels[i].bidPx == .max ? nil : PriceLevel(price: book.levels[i].bidPx, size: book.levels[i].bidSz, orders: book.levels[i].bidCt) }
            let asks = (0..<10).compactMap { i in book.levels[i].askPx == .max ? nil : PriceLevel(price: book.levels[i].askPx, size: book.levels[i].askSz, orders: book.levels[i].askCt) }
            #expect(bids == truth.bids && asks == truth.asks, "instrument \(id)")
        }
        #expect(collected.trades > 0)
        #expect(collected.systemNotices.contains { $0.hasPrefix("gap ") })
    }
}
