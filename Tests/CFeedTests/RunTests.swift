import Foundation
import Testing
import TestSupport

/// `cfeed run` against `cfeed simulate --multicast` on loopback, on groups private to this test.
@Suite(.serialized) struct RunTests {
    static let config = """
        {"venues": [{"venue": "cme", "channels": [{"id": 410, "feeds": {
          "incremental": {"A": {"group": "239.79.1.10", "port": 48410, "interface": "127.0.0.1"}, "B": {"group": "239.79.2.10", "port": 48411}},
          "snapshot":    {"A": {"group": "239.79.1.11", "port": 48412}, "B": {"group": "239.79.2.11", "port": 48413}},
          "definition":  {"A": {"group": "239.79.1.12", "port": 48414}, "B": {"group": "239.79.2.12", "port": 48415}}}}]}]}
        """

    @Test func runReportsRecordsAndStopsCleanlyOnSIGTERM() throws {
        let dir = TemporaryDirectory()
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        try FileManager.default.createDirectory(atPath: dir.file("rec"), withIntermediateDirectories: true)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: TestPaths.cfeed)
        run.arguments = ["run", "--config", dir.file("c.json"), "--stats-interval", "0.5", "--metrics-file",
                         dir.file("m.prom"), "--record", dir.file("rec"), "--latency", "--archive", dir.file("arch")]
        // stderr to a file: nothing to drain, nothing to block on.
        _ = FileManager.default.createFile(atPath: dir.file("run.err"), contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("run.err")))
        run.standardError = errors
        run.standardOutput = FileHandle.nullDevice
        run.standardInput = FileHandle.nullDevice
        try run.run()
        usleep(300_000)
        let simulate = try TestSupport.run(TestPaths.cfeed, ["simulate", "cme", "--duration", "6", "--multicast", "--speed", "6",
                                                             "--loss-a", "0.01", "--config", dir.file("c.json")])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        usleep(600_000)
        kill(run.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while run.isRunning && Date() < deadline { usleep(10_000) }
        if run.isRunning { kill(run.processIdentifier, SIGKILL) }
        run.waitUntilExit()
        let stderr = (try? String(contentsOfFile: dir.file("run.err"), encoding: .utf8)) ?? ""
        #expect(run.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("incremental/A"))
        #expect(stderr.contains("joined 6 groups on 127.0.0.1"))
        #expect(stderr.contains("gaps"))
        // The HDR latency summary, from ts_recv to the subscriber's callback.
        #expect(stderr.contains("latency ts_recv -> subscriber: latency µs p50"), "\(stderr)")
        let metrics = try String(contentsOfFile: dir.file("m.prom"), encoding: .utf8)
        #expect(metrics.contains("cfeed_datagrams_total{feed=\"incremental\",line=\"A\",group=\"239.79.1.10:48410\"}"))
        #expect(metrics.contains("cfeed_kernel_drops_total"))
        // The recording is a capture `cfeed inspect` reads, with every datagram of the run.
        let recorded = try FileManager.default.contentsOfDirectory(atPath: dir.file("rec"))
        #expect(recorded.count == 1)
        let inspect = try TestSupport.run(TestPaths.cfeed, ["inspect", dir.file("rec/" + recorded[0]), "--json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect(summary["udp_datagrams"] as? Int ?? 0 > 1000)
        #expect((summary["destinations"] as? [[String: Any]])?.count == 6)
        // The archive of the live run: closed cleanly, every frame verifies, nothing lost by the writer.
        #expect(stderr.contains("archive: "), "\(stderr)")
        let archives = try FileManager.default.contentsOfDirectory(atPath: dir.file("arch/cme"))
        #expect(archives.count == 1)
        let path = dir.file("arch/cme/" + archives[0])
        #expect(try TestSupport.run(TestPaths.cfeed, ["archive", "verify", path]).status == 0)
        let info = try TestSupport.run(TestPaths.cfeed, ["archive", "info", path, "--json"])
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(facts["records"] as? Int ?? 0 > 1000)
        #expect((facts["symbols"] as? [String: String])?.count == 8)
        #expect(((facts["gaps"] as? [[String: Any]]) ?? []).allSatisfy { $0["kind"] as? String == "feed" })
    }

    @Test func aConfigWithoutACMEChannelIsAUsageError() throws {
        let dir = TemporaryDirectory()
        try Data("{\"venues\": []}".utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let result = try TestSupport.run(TestPaths.cfeed, ["run", "--config", dir.file("c.json")])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no cme venue"))
    }
}
