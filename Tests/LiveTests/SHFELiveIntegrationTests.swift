import ComputeFeed
import ExchangeSim
import Foundation
import Testing

/// Simulator → loopback multicast (MIRP lines A and B with seeded loss) and its MDQP server on
/// loopback TCP → FeedHandler → subscriber: every hole is recovered by retransmission while the
/// feed runs, so the subscriber's trade tape is the whole true tape and its last books are the
/// true final books.
@Suite(.serialized) struct SHFELiveIntegrationTests {
    static let lines = [Endpoint("239.78.1.10:47001")!, Endpoint("239.78.2.10:47001")!]

    final class Collected: @unchecked Sendable {
        var books: [UInt32: Mbp10Msg] = [:]
        var trades: [TradeMsg] = []
        var notices: [String] = []
        var done = false
    }

    @Test func simulatorToMulticastAndMDQPToSubscriberGivesTheTruth() throws {
        let config = SHFESimulationConfig(seed: 21, durationNs: 20_000_000_000, eventsPerSecond: 200,
                                          lineA: LineImpairment(loss: 0.05, latencyNs: 20_000), lineB: LineImpairment(loss: 0.05, latencyNs: 35_000),
                                          addresses: Self.lines)
        let simulation = SHFESimulator.run(config)
        #expect(!simulation.truth.lostOnAllLines.isEmpty, "some packets must be lost on both lines")
        let server = try SHFEMDQPServer(simulation: simulation, listen: Endpoint(IPv4Address("127.0.0.1")!, 0), publishAll: false)
        defer { server.stop() }

        let feed = FeedHandler(settings: .init(interface: IPv4Address("127.0.0.1")!,
                                               venue: .shfe(reference: simulation.reference, lines: Self.lines,
                                                            mdqp: MDQPClientConfiguration(server: server.endpoint))))
        let subscription = feed.subscribe(schemas: [.mbp10, .trades, .system], policy: .lossless, wait: .park)
        let collected = Collected()
        let reader = Thread {
            while !collected.done || subscription.poll({ _ in }) > 0 {
                subscription.poll { record in
                    if let book = record.as(Mbp10Msg.self), book.event.flags.contains(.last), !book.event.flags.contains(.maybeBadBook) {
                        collected.books[book.instrumentID] = book
                    }
                    if let trade = record.as(TradeMsg.self) { collected.trades.append(trade) }
                    if let notice = record.as(SystemMsg.self) { collected.notices.append(notice.msg.string) }
                }
                usleep(200)
            }
        }
        var published: Int32 = 0
        try playOnLoopback(simulation.datagrams, feed: feed, reader: reader, sent: { datagram in
            // The server serves what has been multicast, as an exchange's would.
            if let header = datagram.payload.withUnsafeBytes({ MIRPHeader.read($0) }), header.packetNo > published {
                published = header.packetNo
                server.publish(upTo: published)
            }
        }) { collected.done = true }
        #expect(feed.failure == nil)
        #expect(feed.kernelDrops == 0)

        let stats = try #require(feed.shfeChannelStats)
        #expect(stats.retransmissionRecoveries >= 1 && stats.recoveryFailures.isEmpty, "\(stats)")
        #expect(!collected.notices.contains { $0.hasPrefix("gap ") }, "\(collected.notices.filter { $0.hasPrefix("gap ") })")
        #expect(collected.notices.contains { $0.hasPrefix("recovered feed=mirp") })
        // Every request reached the server, except perhaps the last: the agent serves one request at
        // a time, and one submitted just before the feed stopped may not have been sent (seen on a
        // loaded machine: 298 served of 299 submitted, the tape still whole).
        let served = server.counts.retransmissions
        #expect(served == stats.retransmissionRequests || served == stats.retransmissionRequests - 1,
                "served \(served) of \(stats.retransmissionRequests)")
        let tape = collected.trades.map { SHFETruth.Trade(instrumentNo: Int32($0.instrumentID - 1_001_000_000), packetNo: Int32($0.sequence),
                                                           price: $0.price, size: $0.size) }
        #expect(tape == simulation.truth.trades, "tape \(tape.count), truth \(simulation.truth.trades.count)")
        #expect(feed.shfeInstruments.allSatisfy { !$0.isStale })
        for (no, final) in simulation.truth.finalBooks {
            let book = try #require(collected.books[1_001_000_000 + UInt32(no)], "no book for \(no)")
            let bids = (0..<5).filter { book.levels[$0].bidPx != .max }.map { PriceLevel(price: book.levels[$0].bidPx, size: book.levels[$0].bidSz, orders: 0) }
            let asks = (0..<5).filter { book.levels[$0].askPx != .max }.map { PriceLevel(price: book.levels[$0].askPx, size: book.levels[$0].askSz, orders: 0) }
            #expect(bids == final.bids && asks == final.asks, "instrument \(no)")
        }
    }
}
