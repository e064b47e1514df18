import Foundation
import Testing
import TestSupport
import TickFormat
import TickRing
@testable import TickArchive

@Suite(.serialized) struct ArchiveRecorderTests {
    static func publish(_ records: [[UInt8]], into ring: BroadcastRing) {
        for r in records { r.withUnsafeBytes { ring.write($0) } }
    }

    @Test func aLosslessRecorderKeepsEveryRecord() throws {
        let dir = TemporaryDirectory()
        let tape = SyntheticTape(seed: 21, count: 50_000).records
        let ring = BroadcastRing(capacity: 1 << 16)
        let writer = try ArchiveWriter(directory: dir.path, venue: "cme", dataset: "CF.CME.MDP3", settings: ArchiveSettings(frameBytes: 8192))
        let recorder = ArchiveRecorder(ring: ring, writer: writer, policy: .lossless)
        recorder.start()
        Self.publish(tape, into: ring)
        try recorder.finish()
        #expect(recorder.recordsLost == 0)
        #expect(try readAll(try ArchiveFile(path: writer.paths[0])) == tape)
    }

    /// Live, the feed never waits: a recorder lapped by the producer marks exactly how many
    /// records it could not keep, in the stream and in the footer.
    @Test func aLossyRecorderMarksWhatItCouldNotKeep() throws {
        let dir = TemporaryDirectory()
        let tape = SyntheticTape(seed: 22, count: 200_000).records
        let ring = BroadcastRing(capacity: 1 << 14)
        // Syncing every frame makes the writer slow enough to be lapped.
        let writer = try ArchiveWriter(directory: dir.path, venue: "cme", dataset: "CF.CME.MDP3",
                                       settings: ArchiveSettings(frameBytes: 4096, sync: .everyFrame))
        let recorder = ArchiveRecorder(ring: ring, writer: writer, policy: .lossy)
        recorder.start()
        Self.publish(tape, into: ring)
        try recorder.finish()
        #expect(recorder.recordsLost > 0)
        let file = try ArchiveFile(path: writer.paths[0])
        let kept = try readAll(file)
        let markers = kept.filter { $0[1] == RType.system.rawValue }.compactMap { r -> UInt64? in
            let text = r.withUnsafeBytes { RecordView(unchecked: $0).as(SystemMsg.self)!.msg.string }
            return text.hasPrefix("archive_gap ") ? ArchiveLedger.value("lost", in: text) : nil
        }
        #expect(markers.reduce(0, +) == recorder.recordsLost)
        #expect(UInt64(kept.count - markers.count) + recorder.recordsLost == UInt64(tape.count))
        let archiveGaps = try file.ledger().gaps.filter { $0.kind == .archive }
        #expect(archiveGaps.reduce(0) { $0 + $1.lost } == recorder.recordsLost)
        // What was kept is the tape minus the lost runs, in order.
        let kept2 = kept.filter { r in !(r[1] == RType.system.rawValue && r.withUnsafeBytes { RecordView(unchecked: $0).as(SystemMsg.self)!.msg.string.hasPrefix("archive_gap") }) }
        var i = 0
        for r in kept2 {
            while i < tape.count && tape[i] != r { i += 1 }
            #expect(i < tape.count)
            i += 1
        }
    }
}
