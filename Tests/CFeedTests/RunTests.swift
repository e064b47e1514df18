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

    /// Starts `cfeed run ARGUMENTS` with stderr to `dir/run.err` (a file: nothing to drain, nothing to block on).
    static func startRun(_ arguments: [String], in dir: TemporaryDirectory) throws -> Process {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: TestPaths.cfeed)
        run.arguments = ["run"] + arguments
        _ = FileManager.default.createFile(atPath: dir.file("run.err"), contents: nil)
        run.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("run.err")))
        run.standardOutput = FileHandle.nullDevice
        run.standardInput = FileHandle.nullDevice
        try run.run()
        return run
    }

    /// Waits until the run reports that it joined its groups (up to 60 s): a fixed pause was too
    /// short on a loaded machine, and a run that joins after the simulator's first definition loop
    /// has no instruments to publish. False when it never did (the run exited, or the time passed);
    /// a run still going is then killed, so the failing test leaves nothing behind.
    static func waitUntilJoined(_ run: Process, in dir: TemporaryDirectory) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while run.isRunning && Date() < deadline {
            if let text = try? String(contentsOfFile: dir.file("run.err"), encoding: .utf8), text.contains("joined ") { return true }
            usleep(20_000)
        }
        if run.isRunning { kill(run.processIdentifier, SIGKILL) }
        return false
    }

    /// SIGTERM, then waits (SIGKILL after 10 s); returns the exit status and stderr.
    static func stopRun(_ run: Process, in dir: TemporaryDirectory) -> (status: Int32, stderr: String) {
        kill(run.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while run.isRunning && Date() < deadline { usleep(10_000) }
        if run.isRunning { kill(run.processIdentifier, SIGKILL) }
        run.waitUntilExit()
        return (run.terminationStatus, (try? String(contentsOfFile: dir.file("run.err"), encoding: .utf8)) ?? "")
    }

    /// The records count of the last status line.
    static func recordsPublished(_ stderr: String) -> Int {
        let counts = stderr.matches(of: /records (\d+), subscriber lag/).compactMap { Int($0.output.1) }
        return counts.last ?? 0
    }

    @Test func runReportsRecordsAndStopsCleanlyOnSIGTERM() throws {
        let dir = TemporaryDirectory()
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        try FileManager.default.createDirectory(atPath: dir.file("rec"), withIntermediateDirectories: true)
        let run = try Self.startRun(["--config", dir.file("c.json"), "--stats-interval", "0.5", "--metrics-file",
                                     dir.file("m.prom"), "--record", dir.file("rec"), "--latency", "--archive", dir.file("arch")], in: dir)
        try #require(Self.waitUntilJoined(run, in: dir), "cfeed run did not join its groups")
        let simulate = try TestSupport.run(TestPaths.cfeed, ["simulate", "cme", "--duration", "6", "--multicast", "--speed", "6",
                                                             "--loss-a", "0.01", "--config", dir.file("c.json")])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        usleep(600_000)
        let (status, stderr) = Self.stopRun(run, in: dir)
        #expect(status == 0, "\(stderr)")
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

    /// The SHFE-style topic live: reference data named relative to the configuration, lines A and
    /// B on private groups, the status line, metrics, the recording and the archive under `shfe/`.
    @Test func runServesTheSHFETopic() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: TestPaths.packageRoot + "/Captures/shfe-sample.reference.json", toPath: dir.file("tokens.json"))
        let config = """
            {"venues": [{"venue": "shfe", "reference": "tokens.json", "channels": [{"id": 1001, "feeds": {
              "mirp": {"A": {"group": "239.79.3.10", "port": 48420, "interface": "127.0.0.1"}, "B": {"group": "239.79.4.10", "port": 48421}}}}]}]}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        try FileManager.default.createDirectory(atPath: dir.file("rec"), withIntermediateDirectories: true)
        let run = try Self.startRun(["--config", dir.file("c.json"), "--stats-interval", "0.5", "--metrics-file", dir.file("m.prom"),
                                     "--record", dir.file("rec"), "--archive", dir.file("arch")], in: dir)
        try #require(Self.waitUntilJoined(run, in: dir), "cfeed run did not join its groups")
        let simulate = try TestSupport.run(TestPaths.cfeed, ["simulate", "shfe", "--duration", "4", "--multicast", "--speed", "4",
                                                             "--loss-a", "0.02", "--config", dir.file("c.json"),
                                                             "--reference", dir.file("sim.reference.json")])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        usleep(600_000)
        let (status, stderr) = Self.stopRun(run, in: dir)
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("joined 2 groups on 127.0.0.1"), "\(stderr)")
        #expect(stderr.contains("mirp/A") && stderr.contains("mirp/B"), "\(stderr)")
        #expect(Self.recordsPublished(stderr) > 200, "\(stderr)")
        let metrics = try String(contentsOfFile: dir.file("m.prom"), encoding: .utf8)
        #expect(metrics.contains("cfeed_only_this_line_total{feed=\"mirp\",line=\"A\"}"), "\(metrics)")
        let recorded = try FileManager.default.contentsOfDirectory(atPath: dir.file("rec"))
        #expect(recorded.count == 1 && recorded[0].hasPrefix("cfeed-shfe-1001-"), "\(recorded)")
        let archives = try FileManager.default.contentsOfDirectory(atPath: dir.file("arch/shfe"))
        #expect(archives.count == 1)
        #expect(try TestSupport.run(TestPaths.cfeed, ["archive", "verify", dir.file("arch/shfe/" + archives.first!)]).status == 0)
    }

    /// A late join on a lossy SHFE topic with MDQP: the reference data and the snapshot come from
    /// the simulator's server, holes are recovered by retransmission, nothing stays stale.
    @Test func runJoinsLateAndRecoversThroughMDQP() throws {
        let dir = TemporaryDirectory()
        let config = """
            {"venues": [{"venue": "shfe", "channels": [{"id": 1001, "feeds": {
              "mirp": {"A": {"group": "239.79.7.10", "port": 48440, "interface": "127.0.0.1"}, "B": {"group": "239.79.8.10", "port": 48441}}}}]}]}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let simulate = Process()
        simulate.executableURL = URL(fileURLWithPath: TestPaths.cfeed)
        simulate.arguments = ["simulate", "shfe", "--duration", "8", "--multicast", "--speed", "2", "--loss-a", "0.05", "--loss-b", "0.05",
                              "--config", dir.file("c.json"), "--reference", dir.file("sim.reference.json"),
                              "--mdqp", "127.0.0.1:48449", "--mdqp-linger", "3"]
        simulate.standardOutput = FileHandle.nullDevice
        simulate.standardError = FileHandle.nullDevice
        try simulate.run()
        defer { if simulate.isRunning { kill(simulate.processIdentifier, SIGKILL) } }
        usleep(1_000_000)  // the topic is under way: the handler joins late
        let run = try Self.startRun(["--config", dir.file("c.json"), "--mdqp", "127.0.0.1:48449", "--stats-interval", "0.5"], in: dir)
        simulate.waitUntilExit()
        let (status, stderr) = Self.stopRun(run, in: dir)
        #expect(status == 0, "\(stderr)")
        let last = stderr.split(separator: "\n").last { $0.contains("subscriber lag") } ?? ""
        let recoveries = last.matches(of: /recoveries (\d+)/).first.flatMap { Int($0.output.1) } ?? 0
        #expect(recoveries >= 1, "\(stderr)")
        #expect(last.contains("stale 0,"), "\(stderr)")
        #expect(Self.recordsPublished(stderr) > 200, "\(stderr)")
    }

    /// The ICE-style channel live: the live lines and the snapshot channel, reference data by absolute path.
    @Test func runServesTheICEChannel() throws {
        let dir = TemporaryDirectory()
        let reference = TestPaths.packageRoot + "/Captures/ice-sample.reference.json"
        let config = """
            {"venues": [{"venue": "ice", "reference": "\(reference)", "channels": [{"id": 1, "feeds": {
              "live": {"A": {"group": "239.79.5.10", "port": 48430, "interface": "127.0.0.1"}, "B": {"group": "239.79.6.10", "port": 48431}},
              "snapshot": {"A": {"group": "239.79.5.11", "port": 48432}}}}]}]}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let run = try Self.startRun(["--config", dir.file("c.json"), "--stats-interval", "0.5"], in: dir)
        try #require(Self.waitUntilJoined(run, in: dir), "cfeed run did not join its groups")
        let simulate = try TestSupport.run(TestPaths.cfeed, ["simulate", "ice", "--duration", "4", "--multicast", "--speed", "4",
                                                             "--config", dir.file("c.json"), "--reference", dir.file("sim.reference.json")])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        usleep(600_000)
        let (status, stderr) = Self.stopRun(run, in: dir)
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("joined 3 groups on 127.0.0.1"), "\(stderr)")
        #expect(stderr.contains("live/A") && stderr.contains("live/B") && stderr.contains("snapshot/A"), "\(stderr)")
        #expect(Self.recordsPublished(stderr) > 200, "\(stderr)")
    }

    @Test(arguments: [
        ("{\"venues\": []}", [String](), "lists no venue"),
        ("{\"venues\": [{\"venue\": \"cme\"}, {\"venue\": \"shfe\", \"reference\": \"r.json\"}]}", [], "lists 2 venues (cme, shfe): name the one to run"),
        ("{\"venues\": [{\"venue\": \"cme\"}]}", ["--venue", "ice"], "has no ice venue"),
        ("{\"venues\": [{\"venue\": \"ice\"}]}", [], "the ice venue needs \"reference\""),
        ("{\"venues\": [{\"venue\": \"shfe\"}]}", [], "the shfe venue needs \"reference\""),
        ("{\"venues\": [{\"venue\": \"shfe\", \"reference\": \"missing.json\"}]}", [], "missing.json"),
        ("{\"venues\": [{\"venue\": \"cme\"}]}", ["--mdqp", "127.0.0.1:1"], "MDQP recovery is for the shfe venue"),
    ] as [(String, [String], String)])
    func configurationMistakesAreUsageErrors(config: String, arguments: [String], message: String) throws {
        let dir = TemporaryDirectory()
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let result = try TestSupport.run(TestPaths.cfeed, ["run", "--config", dir.file("c.json")] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// Without a reference file, the SHFE reference data come from the MDQP server; one that cannot
    /// be reached is named.
    @Test func anUnreachableMDQPServerForReferenceDataIsAUsageError() throws {
        let dir = TemporaryDirectory()
        try Data("{\"venues\": [{\"venue\": \"shfe\"}]}".utf8).write(to: URL(fileURLWithPath: dir.file("c.json")))
        let result = try TestSupport.run(TestPaths.cfeed, ["run", "--config", dir.file("c.json"), "--mdqp", "127.0.0.1:9"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("cannot fetch the reference data of topic 1001 from the MDQP server 127.0.0.1:9"), "\(result.stderr)")
    }
}
