import Foundation
import Testing
import TestSupport

/// `cfeed simulate` and `cfeed replay`, run as the real binary.
@Suite struct ReplayTests {
    static let sampleArguments = ["simulate", "cme", "--seed", "2027", "--duration", "120", "--rate", "20",
                                  "--snapshot-interval", "2", "--loss-a", "0.02", "--loss-b", "0.02",
                                  "--duplicate", "0.01", "--reorder", "0.01"]
    var sample: String { TestPaths.packageRoot + "/Captures/cme-sample.pcap" }

    /// The committed CME sample is exactly what its documented command makes (the simulator is
    /// deterministic): Captures/README.md's command regenerates it.
    @Test func committedSampleIsReproducible() throws {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.cfeed, Self.sampleArguments + ["--out", dir.file("s.pcap"), "--truth", dir.file("s.json")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("s.pcap"))) == Data(contentsOf: URL(fileURLWithPath: sample)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("s.json")))
            == Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/Captures/cme-sample.truth.json")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: sample)).count <= 2_000_000)
    }

    @Test func replayReportsGapsAndRecoveries() throws {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "csv", "--out", dir.file("o.csv"),
                                               "--stats-json", dir.file("stats.json")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("gaps 4"))
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("stats.json")))) as? [String: Any])
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/Captures/cme-sample.truth.json"))) as? [String: Any])
        let lost = (truth["lost_on_all_lines"] as? [Int])?.count ?? -1
        #expect(stats["gaps"] as? Int ?? 0 >= 1)
        #expect(stats["lost_packets"] as? Int ?? 0 >= lost)
        #expect(stats["recoveries"] as? Int == stats["gaps"] as? Int)
        #expect((stats["stale_at_end"] as? [String])?.isEmpty == true)
        let records = try #require(stats["records"] as? [String: Int])
        #expect(records["mbp-0"] ?? 0 > 200 && records["mbp-10"] ?? 0 > 1000 && records["system"] ?? 0 > 0)
        let feeds = try #require(stats["feeds"] as? [String: [String: [String: Int]]])
        #expect(feeds["incremental"]?["A"]?["only_this_line"] ?? 0 > 0)
        let csv = try String(contentsOfFile: dir.file("o.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("ts_recv,ts_event,rtype"))
        #expect(csv.contains(",GH1H7,T,"))
    }

    /// DBN from `cfeed replay --format dbn` is read by Databento's own Python packages.
    @Test func dbnOutputDecodesWithDatabento() throws {
        let dir = TemporaryDirectory()
        let replay = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "dbn", "--out", dir.file("o.dbn"),
                                               "--stats-json", dir.file("stats.json")])
        #expect(replay.status == 0, "\(replay.stderr)")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("stats.json")))) as? [String: Any])
        let script = """
            import sys, collections, warnings
            warnings.simplefilter("ignore")
            import databento as db, databento_dbn as dbn
            decoder = dbn.DBNDecoder()
            decoder.write(open(sys.argv[1], "rb").read())
            records = decoder.decode()
            meta, body = records[0], records[1:]
            assert not decoder.buffer(), "trailing bytes"
            counts = collections.Counter(type(r).__name__ for r in body)
            assert meta.dataset == "CF.CME.MDP3", meta.dataset
            assert all(r.publisher_id == 1002 for r in body)
            ts = [r.ts_recv if hasattr(r, "ts_recv") else r.ts_event for r in body]
            assert ts == sorted(ts), "ts_recv must not decrease"
            store = db.DBNStore.from_file(sys.argv[1])
            trades = store.to_df(schema="trades")
            assert set(trades["symbol"]) <= {"GH1H7","GH1M7","GH1U7","GH1Z7","GB2H7","GB2M7","GB2U7","GB2Z7"}, set(trades["symbol"])
            book = store.to_df(schema="mbp-10")
            print(len(body), counts["TradeMsg"], counts["MBP10Msg"], len(trades), len(book))
            """
        let result = try runPython(script, [dir.file("o.dbn")])
        #expect(result.status == 0, "\(result.stderr)")
        let numbers = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        let records = try #require(stats["records"] as? [String: Int])
        #expect(numbers == [stats["records_total"] as? Int ?? -1, records["mbp-0"] ?? -1, records["mbp-10"] ?? -1,
                            records["mbp-0"] ?? -1, records["mbp-10"] ?? -1])
    }

    @Test func strictTurnsGapsIntoExit65() throws {
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--schema", "trades", "--strict", "--quiet",
                                               "--out", "/dev/null"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("gaps"))
    }

    @Test func userErrorsGiveOneLineAndTheirExitCode() throws {
        let dir = TemporaryDirectory()
        let cases: [([String], Int32)] = [
            (["replay", sample, "--venue", "nyse"], 64),
            (["replay", sample, "--venue", "cme", "--format", "xml"], 64),
            (["replay", sample, "--venue", "cme", "--schema", "bbo-1m"], 64),
            (["replay", dir.file("missing.pcap"), "--venue", "cme"], 66),
            (["replay", sample, "--venue", "cme", "--out", dir.file("no/such/dir/out.txt")], 73),
            (["simulate", "cme", "--out", dir.file("x.pcap"), "--loss-a", "1.5"], 64),
        ]
        for (arguments, status) in cases {
            let result = try run(TestPaths.cfeed, arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        try Data("{\"venues\": [{\"venue\": \"cme\", \"channels\": [{\"id\": 410, \"feeds\": {\"incremental\": {\"A\": {\"group\": \"239.31.1.10\"}}}}]}]}".utf8)
            .write(to: URL(fileURLWithPath: dir.file("bad.json")))
        let bad = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--config", dir.file("bad.json")])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("missing key 'port'"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }

    /// A config moves the channel: the sample's groups are then not this channel's.
    @Test func configOverridesTheBuiltInAddresses() throws {
        let dir = TemporaryDirectory()
        let config = """
            {"venues": [{"venue": "cme", "channels": [{"id": 410, "feeds": {
              "incremental": {"A": {"group": "239.99.1.10", "port": 31410}, "B": {"group": "239.99.2.10", "port": 32410}}}}]}]}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--config", dir.file("c.json"),
                                               "--stats-json", dir.file("s.json"), "--out", "/dev/null"])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("s.json")))) as? [String: Any])
        #expect(stats["unrouted_datagrams"] as? Int ?? 0 >= 4000)
    }
}
