import Foundation
import Testing
import TestSupport
import TickFormat
@testable import TickArchive

@Suite struct ArchiveWriterReaderTests {
    @Test func recordsComeBackExactlyViaTheFooterAndViaAScan() throws {
        let tape = SyntheticTape(seed: 1, count: 5_000)
        let dir = TemporaryDirectory()
        let paths = try writeArchive(tape.records, directory: dir.path)
        #expect(paths.count == 1)
        let file = try ArchiveFile(path: paths[0])
        #expect(file.openedVia == .footer)
        #expect(file.isClean)
        #expect(file.frames.count > 10)
        #expect(try readAll(file) == tape.records)
        #expect(file.recordCount == UInt64(tape.records.count))
        let metadata = try file.metadata()
        #expect(metadata.dataset == "CF.CME.MDP3")
        #expect(metadata.schema == .mixed)
        #expect(metadata.start == SyntheticTape.indexTimestamp(tape.records[0]))
        let ledger = try file.ledger()
        #expect(Set(ledger.symbols.values) == Set(SyntheticTape.symbols))
        #expect(!ledger.gaps.isEmpty)
        #expect(ArchiveMaintenance.verify(file).isClean)

        // Without the footer the scan rebuilds the same index and ledger.
        let bytes = try fileBytes(paths[0])
        // The footer follows the last index entry (magic, u32 length, entry).
        let lastEntry = Int(file.frames.last!.frameOffset) + Int(file.frames.last!.frameLength)
        let entryLength = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: lastEntry + 4, as: UInt32.self)) }
        let stripped = dir.file("stripped.dbn.lz4")
        try writeBytes(Array(bytes[..<(lastEntry + 8 + entryLength)]), to: stripped)
        let scanned = try ArchiveFile(path: stripped)
        #expect(scanned.openedVia == .scan)
        #expect(scanned.frames == file.frames)
        #expect(scanned.rebuiltEntries == 0)
        #expect(try scanned.ledger() == ledger)
        #expect(try readAll(scanned) == tape.records)
    }

    @Test func lz4CommandLineYieldsTheDBNStream() throws {
        let tape = SyntheticTape(seed: 2, count: 3_000)
        let dir = TemporaryDirectory()
        let path = try writeArchive(tape.records, directory: dir.path)[0]
        let raw = dir.file("out.dbn")
        let result = try run("/bin/sh", ["-c", "lz4 -dc '\(path)' > '\(raw)'"])
        #expect(result.status == 0, "\(result.stderr)")
        let again = DBNDecoder()
        var decoded: [[UInt8]] = []
        try again.feed(try fileBytes(raw)) { decoded.append(Array($0.bytes)) }
        try again.finish()
        #expect(decoded == tape.records)
        #expect(again.metadata?.dataset == "CF.CME.MDP3")
    }

    @Test func filesRotateAtTheUTCDayAndCarryDefinitions() throws {
        // Start two hours before midnight, 2 s apart on average: about two days of data.
        let start: UInt64 = 1_798_761_600_000_000_000 - 7_200_000_000_000
        let tape = SyntheticTape(seed: 3, count: 3_000, start: start, meanGap: 60_000_000_000)
        let dir = TemporaryDirectory()
        let paths = try writeArchive(tape.records, directory: dir.path)
        #expect(paths.count >= 2)
        #expect(paths[0].hasSuffix("cme/2026-12-31.dbn.lz4"))
        #expect(paths[1].hasSuffix("cme/2027-01-01.dbn.lz4"))
        var all: [[UInt8]] = []
        for (i, path) in paths.enumerated() {
            let file = try ArchiveFile(path: path)
            let records = try readAll(file)
            let day = SyntheticTape.indexTimestamp(records[0]) / 86_400_000_000_000
            #expect(records.allSatisfy { SyntheticTape.indexTimestamp($0) / 86_400_000_000_000 == day })
            // Every file starts with the definitions of every instrument.
            #expect(Set(try file.ledger().symbols.values) == Set(SyntheticTape.symbols))
            let carried = i == 0 ? 0 : SyntheticTape.symbols.count
            #expect(records.prefix(carried).allSatisfy { $0[1] == RType.instrumentDef.rawValue })
            all += records.dropFirst(carried)
        }
        #expect(all == tape.records)
        // A second writer on the same days adds parts instead of overwriting.
        let again = try writeArchive(tape.records, directory: dir.path)
        #expect(again[0].hasSuffix("cme/2026-12-31.1.dbn.lz4"))
        #expect(try ArchiveCatalog.files(in: dir.path, venue: "cme").count == paths.count * 2)
    }

    @Test func aTornLastFrameIsDroppedAndEveryCompleteFrameKept() throws {
        let tape = SyntheticTape(seed: 4, count: 2_000)
        let dir = TemporaryDirectory()
        let path = try writeArchive(tape.records, directory: dir.path)[0]
        let whole = try ArchiveFile(path: path)
        let bytes = try fileBytes(path)
        var rng = SplitMix64(seed: 99)
        for trial in 0..<40 {
            let cut = Int.random(in: 1..<bytes.count, using: &rng)
            let torn = dir.file("torn-\(trial).dbn.lz4")
            try writeBytes(Array(bytes[..<cut]), to: torn)
            guard let file = try? ArchiveFile(path: torn) else {
                #expect(cut < Int(whole.frames[0].frameLength), "only a cut inside the first frame leaves no archive")
                continue
            }
            // Complete frames: those ending at or before the cut.
            let complete = whole.frames.filter { Int($0.frameOffset) + Int($0.frameLength) <= cut }
            #expect(file.frames.map(\.frameOffset) == complete.map(\.frameOffset), "cut \(cut)")
            let expected = complete.reduce(0) { $0 + Int($1.recordCount) }
            let records = try readAll(file)
            #expect(records == Array(tape.records.prefix(expected)), "cut \(cut)")
            #expect(file.damage.isEmpty)
            // Repair leaves a file that verifies, with the same records.
            if !file.isClean {
                let report = try ArchiveMaintenance.repair(path: torn, skipCorrupt: false)
                #expect(report.recordsKept == UInt64(expected))
                let repaired = try ArchiveFile(path: torn)
                #expect(repaired.openedVia == .footer)
                #expect(ArchiveMaintenance.verify(repaired).isClean)
                #expect(try readAll(repaired) == records)
            }
        }
    }

    @Test func aFlippedByteInAMiddleFrameIsReportedWithItsOffset() throws {
        let tape = SyntheticTape(seed: 5, count: 3_000)
        let dir = TemporaryDirectory()
        let path = try writeArchive(tape.records, directory: dir.path)[0]
        let clean = try ArchiveFile(path: path)
        let bytes = try fileBytes(path)
        var rng = SplitMix64(seed: 5)
        for trial in 0..<30 {
            let victim = clean.frames[Int.random(in: 1..<(clean.frames.count - 1), using: &rng)]
            let at = Int(victim.frameOffset) + Int.random(in: 0..<Int(victim.frameLength), using: &rng)
            var damaged = bytes
            damaged[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            let path2 = dir.file("flip-\(trial).dbn.lz4")
            try writeBytes(damaged, to: path2)
            let file = try ArchiveFile(path: path2)
            let report = ArchiveMaintenance.verify(file)
            #expect(!report.isClean, "flip at \(at)")
            #expect(report.problems.contains { $0.contains("offset \(victim.frameOffset)") }, "flip at \(at): \(report.problems)")
            // Reading refuses the damaged frame unless asked to skip it; skipping keeps every other frame.
            #expect(throws: ArchiveError.self) { try readAll(file) }
            let kept = try readAll(file, skipDamaged: true)
            let lost = Int(victim.recordCount)
            #expect(kept.count == tape.records.count - lost)
            // Repair refuses without --skip-corrupt, and drops only that frame with it.
            #expect(throws: ArchiveError.self) { try ArchiveMaintenance.repair(path: path2, skipCorrupt: false) }
            let fixed = try ArchiveMaintenance.repair(path: path2, skipCorrupt: true)
            #expect(fixed.recordsKept == UInt64(tape.records.count - lost))
            #expect(ArchiveMaintenance.verify(try ArchiveFile(path: path2)).isClean)
        }
    }
}

@Suite struct ArchiveCorruptionTests {
    /// Random damage anywhere (bit flips, overwritten runs, truncations, bytes inserted): opening,
    /// verifying and reading never crash, and every record read back is one that was written, in order.
    @Test func randomDamageNeverCrashesOrInventsRecords() throws {
        let tape = SyntheticTape(seed: 31, count: 1_500)
        let dir = TemporaryDirectory()
        let path = try writeArchive(tape.records, directory: dir.path)[0]
        let bytes = try fileBytes(path)
        var rng = SplitMix64(seed: 31)
        let target = dir.file("damaged.dbn.lz4")
        var detected = 0
        for trial in 0..<400 {
            var damaged = bytes
            switch trial % 4 {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &rng) { damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            case 1:
                let at = Int.random(in: 0..<damaged.count, using: &rng)
                for i in at..<min(damaged.count, at + Int.random(in: 1...64, using: &rng)) { damaged[i] = UInt8.random(in: 0...255, using: &rng) }
            case 2:
                damaged.removeLast(Int.random(in: 1..<damaged.count, using: &rng))
            default:
                damaged.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                               at: Int.random(in: 0..<damaged.count, using: &rng))
            }
            try writeBytes(damaged, to: target)
            guard let file = try? ArchiveFile(path: target) else { detected += 1; continue }
            if !ArchiveMaintenance.verify(file).isClean { detected += 1 }
            let records = (try? readAll(file, skipDamaged: true)) ?? []
            // Every record read is one of the tape's, in the tape's order.
            var i = 0
            for r in records {
                while i < tape.records.count && tape.records[i] != r { i += 1 }
                #expect(i < tape.records.count, "trial \(trial): a record that was never written")
                i += 1
            }
        }
        #expect(detected == 400, "every damage is detected")
    }
}
