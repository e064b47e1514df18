import Foundation
import Testing
import TestSupport

/// `cfeed simulate ice` and `cfeed replay --venue ice`, run as the real binary.
@Suite struct ICEReplayTests {
    var sample: String { TestPaths.packageRoot + "/Captures/ice-sample.pcap" }
    var reference: String { TestPaths.packageRoot + "/Captures/ice-sample.reference.json" }

    /// The committed sample is what Captures/README.md's command makes.
    @Test func committedSampleIsReproducible() throws {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.cfeed, ["simulate", "ice", "--seed", "2027", "--duration", "120", "--rate", "20",
                                               "--snapshot-interval", "3", "--loss-a", "0.02", "--loss-b", "0.02", "--duplicate", "0.01",
                                               "--reorder", "0.01", "--out", dir.file("s.pcap"), "--truth", dir.file("s.json"),
                                               "--reference", dir.file("r.json")])
        #expect(result.status == 0, "\(result.stderr)")
        for (made, committed) in [("s.pcap", "ice-sample.pcap"), ("s.json", "ice-sample.truth.json"), ("r.json", "ice-sample.reference.json")] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file(made)))
                    == Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/Captures/" + committed)), "\(committed)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: sample)).count <= 2_000_000)
    }

    /// MBO, MBP-10, trades and definitions of an ICE replay decode with databento-dbn and databento.
    @Test func dbnOutputDecodesWithDatabento() throws {
        let dir = TemporaryDirectory()
        let replay = try run(TestPaths.cfeed, ["replay", sample, "--venue", "ice", "--reference", reference, "--format", "dbn",
                                               "--schema", "mbo,mbp-10,trades,definition", "--out", dir.file("o.dbn"),
                                               "--stats-json", dir.file("stats.json")])
        #expect(replay.status == 0, "\(replay.stderr)")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("stats.json")))) as? [String: Any])
        #expect(stats["venue"] as? String == "ice")
        #expect(stats["gaps"] as? Int ?? 0 >= 1)
        #expect(stats["recoveries"] as? Int ?? 0 >= 1)
        #expect((stats["stale_at_end"] as? [String])?.isEmpty == true)
        let script = """
            import sys, collections, warnings
            warnings.simplefilter("ignore")
            import databento as db, databento_dbn as dbn
            decoder = dbn.DBNDecoder()
            decoder.write(open(sys.argv[1], "rb").read())
            records = decoder.decode()
            meta, body = records[0], records[1:]
            assert not decoder.buffer(), "trailing bytes"
            assert meta.dataset == "CF.ICE.IMPACT", meta.dataset
            assert all(r.publisher_id == 1003 for r in body)
            counts = collections.Counter(type(r).__name__ for r in body)
            store = db.DBNStore.from_file(sys.argv[1])
            mbo = store.to_df(schema="mbo")
            trades = store.to_df(schema="trades")
            book = store.to_df(schema="mbp-10")
            defs = store.to_df(schema="definition")
            assert set(defs["raw_symbol"]) == {"OCX H100 Mar27", "OCX H100 Jun27", "OCX H200 Mar27", "OCX H200 Jun27", "OCX B200 Mar27", "OCX B200 Jun27", "OCX RTX5090 Mar27", "OCX RTX5090 Jun27"}, set(defs["raw_symbol"])
            assert trades["price"].between(0.4, 6.5).all()
            assert set(mbo["action"]) <= {"A", "M", "C", "T", "R"}, set(mbo["action"])
            print(counts["MBOMsg"], counts["TradeMsg"], counts["MBP10Msg"], counts["InstrumentDefMsg"], len(mbo), len(trades), len(book))
            """
        let result = try runPython(script, [dir.file("o.dbn")])
        #expect(result.status == 0, "\(result.stderr)")
        let numbers = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        let records = try #require(stats["records"] as? [String: Int])
        #expect(numbers == [records["mbo"] ?? -1, records["mbp-0"] ?? -1, records["mbp-10"] ?? -1, 8,
                            records["mbo"] ?? -1, records["mbp-0"] ?? -1, records["mbp-10"] ?? -1], "\(result.stdout)")
    }

    @Test func badReferenceDataIsOneClearLine() throws {
        let dir = TemporaryDirectory()
        let missing = try run(TestPaths.cfeed, ["replay", sample, "--venue", "ice"])
        #expect(missing.status == 64 && missing.stderr.contains("needs --reference"))
        try Data(#"{"venue": "ice", "markets": [{"market_id": 72001, "symbol": "X", "tick": "0.001"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: dir.file("bad.json")))
        let bad = try run(TestPaths.cfeed, ["replay", sample, "--venue", "ice", "--reference", dir.file("bad.json")])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("markets[0]: missing key 'deal_price_denominator'"), "\(bad.stderr)")
    }
}
