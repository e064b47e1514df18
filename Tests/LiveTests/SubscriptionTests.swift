import ComputeFeed
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
