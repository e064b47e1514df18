import ComputeFeed
import Foundation
import Testing
import TickArchive

/// A strategy runs unchanged on history: the archive source publishes what the live feed
/// published, through the same subscriptions.
@Suite struct ArchiveReplayTests {
    static func drain(_ feed: FeedHandler, _ subscription: Subscription) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while true {
            let finished = feed.isFinished
            let n = subscription.poll { out.append(Array($0.bytes)) }
            if n == 0 && finished { break }
            if n == 0 { usleep(500) }
        }
        return out
    }

    @Test func anArchiveReplaysToSubscribersExactlyAsTheFeedPublishedIt() throws {
        let directory = NSTemporaryDirectory() + "/cfeed-archive-replay-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Record the sample through a feed, with a subscriber that sees what the strategy would have.
        let live = FeedHandler()
        let recorder = try live.recordArchive(directory: directory, settings: ArchiveSettings(frameBytes: 16384), policy: .lossless)
        let original = live.subscribe(schemas: [.mbp1, .trades, .definition], symbols: ["GH1H7", "GB2Z7"])
        live.start(.capture(path: SubscriptionTests.sample, speed: nil))
        let published = Self.drain(live, original)
        try recorder.finish()
        #expect(recorder.recordsLost == 0)

        // The same subscription on the archive, as fast as possible.
        let replay = FeedHandler()
        let again = replay.subscribe(schemas: [.mbp1, .trades, .definition], symbols: ["GH1H7", "GB2Z7"])
        replay.start(.archive(directory: directory, venue: "cme", start: 0, end: .max, speed: nil))
        let replayed = Self.drain(replay, again)
        #expect(replay.failure == nil)
        #expect(published.count > 300)
        #expect(replayed == published)

        // A window that starts later begins with the definitions in effect, then the window's records,
        // paced: 10 s of market at 40x take at least a quarter of a second.
        let start: UInt64 = 1_799_073_060_000_000_000  // 14:31:00Z
        let window = FeedHandler()
        let trades = window.subscribe(schemas: [.trades, .definition], symbols: ["GH1H7"])
        let began = Date()
        window.start(.archive(directory: directory, venue: "cme", start: start, end: start + 10_000_000_000, speed: 40))
        let records = Self.drain(window, trades)
        #expect(Date().timeIntervalSince(began) >= 0.24)
        #expect(records.first?[1] == 0x13)
        let expected = published.filter { $0[1] == 0x00 && Self.tsRecv($0) >= start && Self.tsRecv($0) < start + 10_000_000_000 && Self.instrument($0) == 910_001 }
        #expect(!expected.isEmpty)
        #expect(Array(records.dropFirst()) == expected)
    }

    static func tsRecv(_ r: [UInt8]) -> UInt64 { r.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32, as: UInt64.self) } }
    static func instrument(_ r: [UInt8]) -> UInt32 { r.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) } }

    @Test func aMissingArchiveIsReportedAsTheFailure() {
        let feed = FeedHandler()
        feed.start(.archive(directory: "/nonexistent", venue: "cme", start: 0, end: .max, speed: nil))
        while !feed.isFinished { usleep(1000) }
        #expect("\(feed.failure!)".contains("archive directory /nonexistent does not exist"))
    }
}
