import ComputeFeed
import PacketCapture
import VenueICE
import VenueSHFE
import Foundation
import Testing

/// Subscriptions over a paced capture: filters, and the AsyncSequence form.
@Suite struct SubscriptionTests {
    static var sample: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Captures/cme-sample.pcap").path
    }

    @Test func asyncSequenceDeliversTheSameRecordsAsPoll() async throws {
        let feed = FeedHandler()
        let polled = feed.subscribe(schemas: [.trades], symbols: ["GH1H7"])
        let streamed = feed.subscribe(schemas: [.trades], symbols: ["GH1H7"])
        feed.start(.capture(path: Self.sample, speed: nil))
        var viaPoll: [UInt64] = []
        while true {
            let finished = feed.isFinished
            let n = polled.poll { record in viaPoll.append(record.as(TradeMsg.self)!.tsEvent) }
            if n == 0 && finished { break }
            if n == 0 { usleep(500) }
        }
        var viaStream: [UInt64] = []
        for await record in streamed.records() {
            guard let trade = record.as(TradeMsg.self) else { continue }
            viaStream.append(trade.tsEvent)
            if viaStream.count == viaPoll.count { break }
        }
        #expect(!viaPoll.isEmpty)
        #expect(viaStream == viaPoll)
        #expect(feed.failure == nil)
    }

    @Test func aMissingCaptureIsReportedAsTheFailure() {
        let feed = FeedHandler()
        feed.start(.capture(path: "/nonexistent.pcap", speed: nil))
        while !feed.isFinished { usleep(1000) }
        #expect("\(feed.failure!)".contains("cannot open /nonexistent.pcap"))
    }
}

/// A subscriber that joins a running feed first gets every book as a snapshot, then live records,
/// and ends on the true books.
@Suite struct LateSubscriberTests {
    @Test func aLateSubscriberStartsFromSnapshotsAndEndsOnTheTruth() throws {
        let feed = FeedHandler()
        let early = feed.subscribe(schemas: [.mbp10, .definition])
        feed.start(.capture(path: SubscriptionTests.sample, speed: 30))
        usleep(1_500_000)  // about 45 s of the capture
        let late = feed.subscribe(schemas: [.mbp10], symbols: Set(["GH1H7", "GH1M7", "GH1U7", "GH1Z7", "GB2H7", "GB2M7", "GB2U7", "GB2Z7"]))
        var first: [Mbp10Msg] = []
        var books: [UInt32: Mbp10Msg] = [:]
        while true {
            let finished = feed.isFinished
            let n = late.poll { record in
                guard let book = record.as(Mbp10Msg.self) else { return }
                if first.count < 3 { first.append(book) }
                if book.event.flags.contains(.last) { books[book.instrumentID] = book }
            }
            early.poll { _ in }
            if n == 0 && finished { break }
            if n == 0 { late.waitForData(timeout: .milliseconds(10)) }
        }
        #expect(first.first?.event.action == .clear)
        #expect(first.allSatisfy { $0.event.flags.contains(.snapshot) })
        #expect(books.count == 8)
        let truthURL = URL(fileURLWithPath: SubscriptionTests.sample).deletingPathExtension().appendingPathExtension("truth.json")
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: truthURL)) as? [String: Any])
        let finals = try #require(truth["final_books"] as? [String: [String: Any]])
        for (id, final) in finals {
            let bids = (final["bids"] as? [[String: Any]])?.count ?? -1
            let book = try #require(books[UInt32(id)!])
            #expect((0..<10).filter { book.levels[$0].bidPx != .max }.count == bids, "\(id)")
        }
    }
}

/// "Current book / definition / status of SYMBOL", asked from another thread while the feed runs.
@Suite struct QueryTests {
    @Test func queriesAreAnsweredByTheFeedThreadWhileItRuns() throws {
        let feed = FeedHandler()
        let sub = feed.subscribe(schemas: [.trades])
        feed.start(.capture(path: SubscriptionTests.sample, speed: 20))
        usleep(1_000_000)
        let during = try #require(feed.state(of: "GH1H7"))
        #expect(during.definition?.rawSymbol.string == "GH1H7")
        #expect(during.definition?.minPriceIncrement == 5_000_000)
        #expect(during.book.bids.count > 0)
        #expect(feed.state(of: "NOPE") == nil)
        while !feed.isFinished { sub.poll { _ in }; usleep(1000) }
        let after = try #require(feed.state(of: "GB2Z7"))
        #expect(after.status != nil)
        #expect(!after.isStale)
        #expect(after.instrument?.symbol == "GB2Z7")
    }

    static func captures(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Captures/" + name).path
    }

    /// The same query on an ICE-style channel: the best 10 of the levels its orders make, the
    /// definition from the reference data, the market's trading status.
    @Test func iceQueriesAreAnsweredToo() throws {
        let reference = try ICEReferenceData.load(path: Self.captures("ice-sample.reference.json"))
        let feed = FeedHandler(settings: .init(venue: .ice(reference: reference, addresses: .fullOrderDepth)))
        let sub = feed.subscribe(schemas: [.trades])
        feed.start(.capture(path: Self.captures("ice-sample.pcap"), speed: 20))
        usleep(800_000)
        let during = try #require(feed.state(of: "OCX H100 Mar27"))
        #expect(during.definition?.rawSymbol.string == "OCX H100 Mar27")
        #expect(during.instrumentID == 72001 && during.instrument == nil)
        #expect(feed.state(of: "NOPE") == nil)
        while !feed.isFinished { sub.poll { _ in }; usleep(1000) }
        let market = try #require(feed.iceMarkets.first { $0.symbol == "OCX H200 Mar27" })
        let after = try #require(feed.state(of: "OCX H200 Mar27"))
        #expect(after.book.bids.array == Array(market.bids.levels.prefix(10)))
        #expect(after.book.asks.array == Array(market.asks.levels.prefix(10)))
        #expect(after.book.bids.count > 0 && after.status != nil && after.isStale == market.isStale)
    }

    /// And on an SHFE-style topic: its 5-level book.
    @Test func shfeQueriesAreAnsweredToo() throws {
        let reference = try SHFEReferenceData.load(path: Self.captures("shfe-sample.reference.json"))
        let feed = FeedHandler(settings: .init(venue: .shfe(reference: reference,
                                                            lines: [Endpoint("239.33.1.10:33001")!, Endpoint("239.33.2.10:33001")!], mdqp: nil)))
        let sub = feed.subscribe(schemas: [.trades])
        feed.start(.capture(path: Self.captures("shfe-sample.pcap"), speed: 20))
        usleep(800_000)
        let during = try #require(feed.state(of: "tk2701"))
        #expect(during.definition?.rawSymbol.string == "tk2701")
        #expect(during.book.depth == 5 && during.status == nil)
        while !feed.isFinished { sub.poll { _ in }; usleep(1000) }
        let instrument = try #require(feed.shfeInstruments.first { $0.symbol == "tk2703" })
        let after = try #require(feed.state(of: "tk2703"))
        #expect(after.book == instrument.book && after.book.bids.count > 0)
        #expect(after.isStale == instrument.isStale)
    }
}
