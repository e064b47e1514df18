import Foundation
import Testing
import TestSupport
@testable import CFeedCommands
@testable import PacketCapture

/// `cfeed inspect`, run as the real binary: output, JSON keys, exit codes.
@Suite struct InspectTests {
    var sample: String { TestPaths.packageRoot + "/" + SampleCapture.relativePath }

    /// The committed sample is exactly what the generator makes (regenerate with
    /// `CFEED_REGENERATE_CAPTURES=1 swift test --filter committedSample`).
    @Test func committedSampleIsUpToDate() throws {
        let dir = TemporaryDirectory()
        try SampleCapture.write(to: dir.file("s.pcap"))
        let made = try Data(contentsOf: URL(fileURLWithPath: dir.file("s.pcap")))
        if ProcessInfo.processInfo.environment["CFEED_REGENERATE_CAPTURES"] == "1" {
            try made.write(to: URL(fileURLWithPath: sample))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: sample)) == made)
    }

    @Test func textSummary() throws {
        let result = try run(TestPaths.cfeed, ["inspect", sample])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("packets        84"))
        #expect(result.stdout.contains("udp datagrams  80"))
        #expect(result.stdout.contains("239.31.1.10:31410"))
        #expect(result.stdout.contains("239.31.2.10:32410"))
        #expect(result.stdout.contains("first          2027-01-04T14:30:00.000000000Z"))
        for reason in ["truncated", "not_ip", "not_udp", "fragment"] { #expect(result.stdout.contains(reason)) }
        #expect(result.stderr.isEmpty)
    }

    @Test func jsonSummary() throws {
        let result = try run(TestPaths.cfeed, ["inspect", sample, "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["packets"] as? Int == 84)
        #expect(object["udp_datagrams"] as? Int == 2 * SampleCapture.datagramsPerLine)
        #expect((object["bytes"] as? Int ?? 0) > 0)
        #expect(object["first_ts_ns"] as? UInt64 == SampleCapture.start)
        #expect(object["last_ts_ns"] as? UInt64 == SampleCapture.start + 39 * 100_000_000 + 3_000)
        let destinations = try #require(object["destinations"] as? [[String: Any]])
        #expect(destinations.map { $0["group"] as? String } == ["239.31.1.10", "239.31.2.10"])
        #expect(destinations.map { $0["port"] as? Int } == [31410, 32410])
        #expect(destinations.map { $0["datagrams"] as? Int } == [40, 40])
        #expect(destinations.allSatisfy { ($0["bytes"] as? Int ?? 0) > 0 })
        let skipped = try #require(object["skipped"] as? [String: Int])
        #expect(skipped["truncated"] == 1)
        #expect(skipped["not_ip"] == 1)
        #expect(skipped["not_udp"] == 1)
        #expect(skipped["fragment"] == 1)
        #expect(skipped["bad_ip_header"] == 0)
    }

    @Test func vlanFramesAreCountedAsDatagrams() throws {
        let summary = try CaptureSummary.scan(path: sample)
        #expect(summary.destinations.first?.datagrams == SampleCapture.datagramsPerLine)
        #expect(summary.destinations.first?.peakPerSecond == 10)
        for (reason, count) in SampleCapture.skipped { #expect(summary.skipped[reason] == count, "\(reason)") }
    }

    @Test func strictTurnsSkippedFramesIntoExit65() throws {
        let result = try run(TestPaths.cfeed, ["inspect", sample, "--strict"])
        #expect(result.status == ExitStatus.dataQuality.rawValue)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("frames were skipped"))
    }

    @Test func unreadableInputsExit66WithOneLine() throws {
        let dir = TemporaryDirectory()
        try Data("not a capture".utf8).write(to: URL(fileURLWithPath: dir.file("x.pcap")))
        for path in [dir.file("missing.pcap"), dir.file("x.pcap"), dir.path] {
            let result = try run(TestPaths.cfeed, ["inspect", path])
            #expect(result.status == ExitStatus.unreadableInput.rawValue, "\(path)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("cfeed: error: "))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func usageErrorsExit64() throws {
        #expect(try run(TestPaths.cfeed, ["inspect"]).status == ExitStatus.usage.rawValue)
        #expect(try run(TestPaths.cfeed, ["inspect", sample, "--bogus"]).status == ExitStatus.usage.rawValue)
        #expect(try run(TestPaths.cfeed, ["frobnicate"]).status == ExitStatus.usage.rawValue)
    }
}
