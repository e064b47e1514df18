import Foundation
import Glibc
import Testing
import TestSupport
import TickArchive
import TickFormat

/// `--archive`, `cfeed archive ...` and `cfeed query`, run as the real binary on the CME sample.
@Suite(.serialized) struct ArchiveCLITests {
    var sample: String { TestPaths.packageRoot + "/Captures/cme-sample.pcap" }

    /// Every record of every file of DIR/cme, in order.
    static func archivedRecords(_ directory: String) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        let reader = FrameReader()
        for path in try ArchiveCatalog.files(in: directory, venue: "cme") {
            let file = try ArchiveFile(path: path)
            for entry in file.frames { try reader.forEachRecord(of: entry, in: file) { out.append(Array($0.bytes)) } }
        }
        return out
    }

    static func dbnRecords(_ path: String) throws -> [[UInt8]] {
        let decoder = DBNDecoder()
        var out: [[UInt8]] = []
        try decoder.feed([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) { out.append(Array($0.bytes)) }
        try decoder.finish()
        return out
    }

    @Test func theArchiveHoldsExactlyWhatReplayOutputs() throws {
        let dir = TemporaryDirectory()
        let replay = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "dbn", "--out", dir.file("all.dbn"),
                                               "--archive", dir.file("arch"), "--frame-bytes", "16384", "--quiet"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("archive: "))
        let archived = try Self.archivedRecords(dir.file("arch"))
        #expect(archived == (try Self.dbnRecords(dir.file("all.dbn"))))
        #expect(archived.count > 4_000)

        let list = try run(TestPaths.cfeed, ["archive", "list", dir.file("arch")])
        #expect(list.status == 0)
        #expect(list.stdout.contains("cme    2027-01-04  2027-01-04.dbn.lz4        8"))
        #expect(list.stdout.contains("clean"))
        let path = dir.file("arch/cme/2027-01-04.dbn.lz4")
        let info = try run(TestPaths.cfeed, ["archive", "info", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == archived.count)
        #expect((object["gaps"] as? [Any])?.count == 4)
        #expect((object["stale_periods"] as? [Any])?.count == 4)
        #expect(object["trading_dates"] as? [Int] == [20_270_104])
        #expect(try run(TestPaths.cfeed, ["archive", "verify", path]).status == 0)

        // A query's DBN output equals the replay's own filtered output.
        let query = try run(TestPaths.cfeed, ["query", dir.file("arch"), "--venue", "cme", "--symbols", "GH1H7,GB2M7", "--schema", "mbp-10",
                                              "--format", "dbn", "--out", dir.file("q.dbn")])
        #expect(query.status == 0, "\(query.stderr)")
        let filtered = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "dbn", "--schema", "mbp-10",
                                                 "--symbols", "GH1H7,GB2M7", "--out", dir.file("f.dbn"), "--quiet"])
        #expect(filtered.status == 0)
        #expect(try Self.dbnRecords(dir.file("q.dbn")) == (try Self.dbnRecords(dir.file("f.dbn"))))
    }

    @Test func badQueriesGiveOneLineAndANonZeroExit() throws {
        let dir = TemporaryDirectory()
        #expect(try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "none", "--archive", dir.path]).status == 0)
        for (arguments, status, text) in [
            (["--symbols", "NOPE", "--schema", "trades"], Int32(64), "unknown symbol 'NOPE'"),
            (["--schema", "trades", "--start", "2027-01-05T00:00:00Z", "--end", "2027-01-04T00:00:00+01:00"], 64, "--start must be before --end"),
            (["--schema", "candles"], 64, "unknown --schema 'candles'"),
            (["--schema", "trades", "--start", "yesterday"], 64, "is not a time"),
        ] {
            let result = try run(TestPaths.cfeed, ["query", dir.path, "--venue", "cme"] + arguments)
            #expect(result.status == status, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(text), "\(arguments): \(result.stderr)")
        }
        let missing = try run(TestPaths.cfeed, ["query", dir.file("nope"), "--venue", "cme", "--schema", "trades"])
        #expect(missing.status == 66 && missing.stderr.contains("does not exist"))
        let venue = try run(TestPaths.cfeed, ["query", dir.path, "--venue", "ice", "--schema", "trades"])
        #expect(venue.status == 64 && venue.stderr.contains("no archive for venue 'ice'"))
    }

    /// A child writing an archive is killed with SIGKILL at random moments: what is left holds
    /// exactly the records of its complete frames, a prefix of the full run's, and `repair`
    /// makes it verify.
    @Test func aWriterKilledAtRandomMomentsLosesNothingItCompleted() throws {
        let dir = TemporaryDirectory()
        let arguments = ["replay", sample, "--venue", "cme", "--format", "none", "--frame-bytes", "4096", "--fsync", "close", "--quiet"]
        #expect(try run(TestPaths.cfeed, arguments + ["--archive", dir.file("full")]).status == 0)
        let reference = try Self.archivedRecords(dir.file("full"))
        var rng = SystemRandomNumberGenerator()
        var interrupted = 0
        for trial in 0..<20 {
            let target = dir.file("t\(trial)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.cfeed)
            process.arguments = arguments + ["--archive", target, "--speed", "100"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 100_000...1_200_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let path = target + "/cme/2027-01-04.dbn.lz4"
            guard let file = try? ArchiveFile(path: path) else {
                // Killed before its first frame was complete: nothing was written, nothing is lost.
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                #expect(size < 8192, "trial \(trial): an unreadable archive of \(size) bytes")
                interrupted += 1
                continue
            }
            if !file.isClean { interrupted += 1 }
            let records = try Self.archivedRecords(target)
            #expect(records == Array(reference.prefix(records.count)), "trial \(trial)")
            #expect(file.recordCount == UInt64(records.count))
            if !file.isClean {
                let repair = try run(TestPaths.cfeed, ["archive", "repair", path])
                #expect(repair.status == 0, "trial \(trial): \(repair.stderr)")
                #expect(try run(TestPaths.cfeed, ["archive", "verify", path]).status == 0, "trial \(trial)")
                #expect(try Self.archivedRecords(target) == records, "trial \(trial)")
            }
        }
        #expect(interrupted >= 10, "most kills should land while the writer runs")
    }

    /// A full disk: a clear error, exit 74, and every complete frame kept readable.
    @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDiskKeepsEveryCompleteFrame() throws {
        let dir = TemporaryDirectory()
        let mountPoint = dir.file("small")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        defer { _ = try? run("/bin/umount", [mountPoint]) }
        let result = try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "none", "--quiet",
                                               "--archive", mountPoint, "--frame-bytes", "8192", "--fsync", "frame"])
        #expect(result.status == 74, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("No space left on device") && lines[0].contains("kept"), "\(result.stderr)")
        let full = dir.file("full")
        #expect(try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "none", "--quiet", "--archive", full,
                                          "--frame-bytes", "8192"]).status == 0)
        let kept = try Self.archivedRecords(mountPoint)
        #expect(kept.count > 100)
        #expect(kept == Array(try Self.archivedRecords(full).prefix(kept.count)))
    }

    /// Quants' recipe (README, Python): an archive and a query's DBN output into pandas.
    @Test func pythonLoadsArchivesAndQueriesIntoPandas() throws {
        let dir = TemporaryDirectory()
        #expect(try run(TestPaths.cfeed, ["replay", sample, "--venue", "cme", "--format", "none", "--archive", dir.path, "--quiet"]).status == 0)
        #expect(try run(TestPaths.cfeed, ["query", dir.path, "--venue", "cme", "--schema", "trades", "--format", "dbn",
                                          "--out", dir.file("trades.dbn")]).status == 0)
        #expect(try run(TestPaths.cfeed, ["query", dir.path, "--venue", "cme", "--schema", "ohlcv-1m", "--format", "dbn",
                                          "--out", dir.file("bars.dbn")]).status == 0)
        let archive = dir.path + "/cme/2027-01-04.dbn.lz4"
        #expect(try run("/bin/sh", ["-c", "lz4 -dc '\(archive)' > '\(dir.file("plain.dbn"))'"]).status == 0)
        let script = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/Python/load_archive.py", encoding: .utf8)
        let result = try runPython(script, [archive, dir.file("trades.dbn"), dir.file("bars.dbn"), dir.file("plain.dbn")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("archive trades 287"), "\(result.stdout)")
        #expect(result.stdout.contains("query trades 287"), "\(result.stdout)")
        #expect(result.stdout.contains("bars ok"), "\(result.stdout)")
        #expect(result.stdout.contains("lz4 -dc records"), "\(result.stdout)")
    }
}
