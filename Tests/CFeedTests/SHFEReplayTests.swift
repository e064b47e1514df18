import Foundation
import Testing
import TestSupport

/// `cfeed simulate shfe` and `cfeed replay --venue shfe`, run as the real binary, with and without
/// an MDQP server.
@Suite struct SHFEReplayTests {
    var sample: String { TestPaths.packageRoot + "/Captures/shfe-sample.pcap" }
    var reference: String { TestPaths.packageRoot + "/Captures/shfe-sample.reference.json" }

    @Test func committedSampleIsReproducible() throws {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.cfeed, ["simulate", "shfe", "--seed", "2027", "--duration", "120", "--rate", "20", "--loss-a", "0.02",
                                               "--loss-b", "0.02", "--duplicate", "0.01", "--reorder", "0.01", "--out", dir.file("s.pcap"),
                                               "--truth", dir.file("s.json"), "--reference", dir.file("r.json")])
        #expect(result.status == 0, "\(result.stderr)")
        for (made, committed) in [("s.pcap", "shfe-sample.pcap"), ("s.json", "shfe-sample.truth.json"), ("r.json", "shfe-sample.reference.json")] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file(made)))
                    == Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/Captures/" + committed)), "\(committed)")
        }
    }

    /// Without a server, gaps leave the touched books flagged and the summary says so; the DBN
    /// output (MBP-10 with levels 6–10 empty, trades, statistics) decodes with databento.
    @Test func replayFlagsWhatItCannotRecoverAndWritesDBN() throws {
        let dir = TemporaryDirectory()
        let replay = try run(TestPaths.cfeed, ["replay", sample, "--venue", "shfe", "--reference", reference, "--format", "dbn",
                                               "--out", dir.file("o.dbn"), "--stats-json", dir.file("stats.json")])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("no MDQP server"))
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("stats.json")))) as? [String: Any])
        #expect(stats["venue"] as? String == "shfe" && stats["gaps"] as? Int ?? 0 >= 1)
        #expect(!((stats["stale_at_end"] as? [String]) ?? []).isEmpty)
        let script = """
            import sys, warnings
            warnings.simplefilter("ignore")
            import databento as db
            store = db.DBNStore.from_file(sys.argv[1])
            assert store.metadata.dataset == "CF.SHFE.MIRP"
            book = store.to_df(schema="mbp-10")
            assert book["bid_px_05"].isna().all() and book["ask_px_09"].isna().all()
            trades = store.to_df(schema="trades")
            assert trades["price"].between(3.0, 5.5).all() and set(trades["side"]) == {"N"}
            assert set(book["symbol"]) <= {f"tk27{m:02d}" for m in range(1, 13)}
            print(len(book), len(trades))
            """
        let result = try runPython(script, [dir.file("o.dbn")])
        #expect(result.status == 0, "\(result.stderr)")
        let records = try #require(stats["records"] as? [String: Int])
        #expect(result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) } == [records["mbp-10"] ?? -1, records["mbp-0"] ?? -1])
    }

    /// `simulate --mdqp` serves the capture it wrote; `replay --mdqp` recovers every hole by
    /// retransmission: no gaps, nothing stale, and exactly the truth's trade count.
    @Test func replayRecoversFromTheSimulatorsMDQPServer() throws {
        let dir = TemporaryDirectory()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: TestPaths.cfeed)
        server.arguments = ["simulate", "shfe", "--seed", "31", "--duration", "40", "--loss-a", "0.05", "--loss-b", "0.05",
                            "--out", dir.file("s.pcap"), "--truth", dir.file("t.json"), "--mdqp", "127.0.0.1:33181", "--mdqp-linger", "300"]
        let errors = Pipe()
        server.standardError = errors
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        // The capture (reference data, pcap, then truth) is written before the server's linger
        // starts. On a loaded 2-core CI machine that took over 30 s once, so wait up to 5 minutes,
        // unless the server exits first.
        var waited = 0
        while !FileManager.default.fileExists(atPath: dir.file("t.json")) && server.isRunning && waited < 6_000 {
            usleep(50_000)
            waited += 1
        }
        try #require(FileManager.default.fileExists(atPath: dir.file("t.json")), "the simulator wrote no capture in \(waited / 20) s")
        let replay = try run(TestPaths.cfeed, ["replay", dir.file("s.pcap"), "--venue", "shfe", "--reference", dir.file("s.reference.json"),
                                               "--mdqp", "127.0.0.1:33181", "--format", "none", "--stats-json", dir.file("stats.json"), "--strict"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("stats.json")))) as? [String: Any])
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("t.json")))) as? [String: Any])
        let lost = (truth["lost_on_all_lines"] as? [Int] ?? []).count
        #expect(lost > 0)
        #expect(stats["gaps"] as? Int == 0 && (stats["stale_at_end"] as? [String])?.isEmpty == true)
        #expect(stats["retransmission_requests"] as? Int ?? 0 >= 1 && stats["packets_retransmitted"] as? Int == lost)
        #expect((stats["records"] as? [String: Int])?["mbp-0"] == (truth["trades"] as? [Any])?.count)
        server.terminate()  // SIGTERM: the server stops cleanly and reports what it served
        server.waitUntilExit()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(server.terminationStatus == 0 && said.contains("retransmissions"), "\(said)")
    }

    /// A server that is not there: the replay still completes, flags what it could not recover,
    /// and the summary names the failure.
    @Test func replayWithAnUnreachableServerSaysSo() throws {
        let replay = try run(TestPaths.cfeed, ["replay", sample, "--venue", "shfe", "--reference", reference, "--mdqp", "127.0.0.1:9",
                                               "--format", "none"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("MDQP server 127.0.0.1:9") && replay.stderr.contains("server unreachable"), "\(replay.stderr)")
        #expect(replay.stderr.contains("stale at the end"))
        let bad = try run(TestPaths.cfeed, ["replay", sample, "--venue", "shfe", "--reference", reference, "--mdqp", "localhost"])
        #expect(bad.status == 64 && bad.stderr.contains("is not HOST:PORT"))
    }
}
