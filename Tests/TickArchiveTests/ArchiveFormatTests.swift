import CLZ4
import Foundation
import Testing
import TestSupport
import TickFormat
@testable import TickArchive

@Suite struct ArchiveFormatTests {
    @Test func xxhash32MatchesKnownValuesAndLiblz4() throws {
        #expect(XXHash32.hash([UInt8]()) == 0x02CC_5D05)
        // The golden file's worked example (specs/dbn-v3.md §13.3): content checksum of its 224 DBN bytes.
        let dbn = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.golden("trades_min.v3.dbn"))))
        #expect(dbn.count == 224)
        #expect(XXHash32.hash(dbn) == 0x340C_D3A0)
        // Every length 0...300 against the content checksum liblz4 writes into a frame.
        var rng = SplitMix64(seed: 7)
        let compressor = LZ4FrameCompressor()
        for length in 0...300 {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var frame = [UInt8](repeating: 0, count: compressor.bound(length))
            let n = data.withUnsafeBytes { src in frame.withUnsafeMutableBytes { compressor.compress(src, into: $0) } }
            let stored = frame.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) }
            #expect(stored == XXHash32.hash(data), "length \(length)")
        }
    }

    @Test func frameWalkFindsTheEndOfEveryFrameAndSpotsTruncation() throws {
        let compressor = LZ4FrameCompressor()
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        var frame = [UInt8](repeating: 0, count: compressor.bound(data.count))
        let n = data.withUnsafeBytes { src in frame.withUnsafeMutableBytes { compressor.compress(src, into: $0) } }
        frame.removeLast(frame.count - n)
        frame.withUnsafeBytes { bytes in
            guard case .success(let extent) = LZ4FrameExtent.walk(bytes) else { Issue.record("no walk"); return }
            #expect(extent.length == n)
            #expect(extent.contentSize == 100_000)
            for cut in [1, 5, 12, n / 2, n - 1] {
                guard case .failure(.truncated) = LZ4FrameExtent.walk(UnsafeRawBufferPointer(rebasing: bytes[0..<cut])) else {
                    Issue.record("cut at \(cut) not seen as truncated"); return
                }
            }
        }
        let decompressor = LZ4FrameDecompressor()
        var out = [UInt8](repeating: 0, count: 100_000)
        let result = frame.withUnsafeBytes { f in out.withUnsafeMutableBytes { decompressor.decompress(f, into: $0) } }
        #expect((try? result.get()) == 100_000)
        #expect(out == data)
    }

    @Test func indexEntryAndFooterRoundTripAndRejectDamage() throws {
        var entry = FrameIndexEntry()
        entry.flags = 1
        entry.recordCount = 42
        entry.frameOffset = 123_456
        entry.frameLength = 999
        entry.contentLength = 4096
        entry.metadataLength = 0
        entry.contentChecksum = 0xDEAD_BEEF
        entry.firstTsRecv = 5
        entry.lastTsRecv = 77
        entry.rtypes = RTypeSet([.mbp0, .mbp10, .system])
        entry.instrumentIDs = [0, 910_001, 910_004]
        let bytes = entry.encoded()
        #expect(try bytes.withUnsafeBytes { try FrameIndexEntry.decode($0) } == entry)
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x10
            #expect(throws: ArchiveFormatError.self) { try damaged.withUnsafeBytes { try FrameIndexEntry.decode($0) } }
        }
        var ledger = ArchiveLedger()
        ledger.symbols = [910_001: "GH1H7", 910_004: "GB2F7"]
        ledger.tradingDates = [20_270_104]
        ledger.gaps = [ArchiveGap(tsRecv: 9, lost: 3, kind: .feed), ArchiveGap(tsRecv: 11, lost: 100, kind: .archive)]
        ledger.closedStalePeriods = [StalePeriod(instrumentID: 910_001, start: 9, end: 12)]
        let footer = ArchiveFooter(dataset: "CF.CME.MDP3", frames: [entry, entry], ledger: ledger)
        let frame = footer.encodedFrame(at: 1000)
        let decoded = try frame.withUnsafeBytes { try ArchiveFooter.decode(frame: $0) }
        #expect(decoded == footer)
        #expect(frame.withUnsafeBytes { ArchiveFooter.trailerOffset(UnsafeRawBufferPointer(rebasing: $0[($0.count - 16)...])) } == 1000)
        for i in stride(from: 0, to: frame.count - 4, by: 7) {
            var damaged = frame
            damaged[i] ^= 0x01
            #expect(throws: ArchiveFormatError.self) { try damaged.withUnsafeBytes { try ArchiveFooter.decode(frame: $0) } }
        }
    }
}
