import FeedEngine
import Foundation
import PacketCapture
import Testing
import TestSupport

/// The operations flags of `cfeed replay`: time window, one line, pacing, re-sending on multicast.
@Suite(.serialized) struct ReplayOpsTests {
    var sample: String { TestPaths.packageRoot + "/Captures/cme-sample.pcap" }

    func stats(_ arguments: [String]) throws -> [String: Any] {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--out", "/dev/null",
                                               "--stats-json", dir.file("s.json")] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("s.json")))) as? [String: Any] ?? [:]
    }

    @Test func aTimeWindowReplaysOnlyItsDatagrams() throws {
        let all = try stats([])
        let window = try stats(["--start", "2027-01-04T14:30:30Z", "--end", "1799073060000000000"])
        let total = all["udp_datagrams"] as? Int ?? 0
        let part = window["udp_datagrams"] as? Int ?? 0
        #expect(part > total / 5 && part < total / 2, "\(part) of \(total)")
        // Starting mid-session is a late join: every instrument is recovered from the snapshot loop.
        #expect(window["instrument_recoveries"] as? Int ?? 0 >= 8)
    }

    @Test func oneLineOnly() throws {
        let b = try stats(["--line", "B"])
        let feeds = try #require(b["feeds"] as? [String: [String: [String: Int]]])
        #expect(feeds["incremental"]?["A"]?["received"] == 0)
        #expect(feeds["incremental"]?["B"]?["received"] ?? 0 > 1000)
        #expect(feeds["snapshot"]?["A"]?["received"] == 0)
    }

    @Test func emitMulticastResendsEveryDatagramOntoItsGroup() throws {
        final class Owned: @unchecked Sendable {  // handed to the listener thread, used only there
            let receiver: MulticastReceiver
            init(_ r: MulticastReceiver) { receiver = r }
        }
        let owned = Owned(try MulticastReceiver([.init(group: Endpoint("239.31.1.10:31410")!, interface: IPv4Address("127.0.0.1")!)]))
        final class Count: @unchecked Sendable { var value = 0 }
        let count = Count()
        let done = Count()
        let listener = Thread {
            let receiver = owned.receiver
            while done.value == 0 || receiver.poll(timeoutMs: 50, { _, _ in count.value += 1 }) > 0 {
                receiver.poll(timeoutMs: 50) { _, _ in count.value += 1 }
            }
        }
        listener.start()
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--schema", "trades", "--out", "/dev/null",
                                               "--quiet", "--emit-multicast", "--speed", "60",
                                               "--end", "2027-01-04T14:30:30Z"])
        #expect(result.status == 0, "\(result.stderr)")
        usleep(200_000)
        done.value = 1
        while !listener.isFinished { usleep(1000) }
        let summary = try run(TestPaths.cfeed, ["inspect", sample, "--json"])
        #expect(summary.status == 0)
        // Line A's incremental datagrams of the first 30 s: a quarter of line A's 2,042, give or take.
        #expect(count.value > 300 && count.value < 1200, "\(count.value)")
    }

    @Test func badOpsArgumentsAreUsageErrors() throws {
        for arguments in [["--speed", "fast"], ["--start", "yesterday"], ["--line", "C"],
                          ["--start", "2027-01-04T14:31:00Z", "--end", "2027-01-04T14:30:00Z"]] {
            let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme"] + arguments)
            #expect(result.status == 64, "\(arguments)")
        }
    }
}
