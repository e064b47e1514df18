import CBaselines
import ComputeFeed
import ExchangeSim
import Foundation

/// The archive: writing (against LZ4F_compressFrame alone on the same records and frames), a full
/// scan (against `lz4 -dc FILE > /dev/null`), and a query of 1% of a >= 1 GB archive by time
/// (against the full scan of the same archive).
enum ArchiveBenchmarks {
    /// Realistic records laid end to end: mostly MBP-10 and MBP-1 book updates, trades, some
    /// statistics and status; random-walk prices, `ts_recv` rising by a few microseconds.
    struct Tape {
        var bytes: [UInt8] = []
        var records = 0
        var ts: UInt64
        var rng = SeededRandom(seed: 2027)
        var prices = [Int64](repeating: 2_500_000_000, count: 8)

        init(start: UInt64) { ts = start }

        mutating func append<R: DBNRecord>(_ r: R) {
            r.withBytes { bytes.append(contentsOf: $0) }
            records += 1
        }

        /// Appends every record of the tape to `writer`.
        func append(to writer: ArchiveWriter) {
            bytes.withUnsafeBytes { all in
                var at = 0
                while at < all.count {
                    let length = Int(all[at]) &* 4
                    try! writer.append(RecordView(unchecked: UnsafeRawBufferPointer(rebasing: all[at..<(at + length)])))
                    at += length
                }
            }
        }

        mutating func generate(bytes target: Int, meanGapNs: UInt64) {
            bytes.reserveCapacity(bytes.count + target + 1024)
            while bytes.count < target {
                ts += UInt64.random(in: 0...(2 * meanGapNs), using: &rng)
                let i = Int.random(in: 0..<8, using: &rng)
                prices[i] += Int64.random(in: -1...1, using: &rng) * 5_000_000
                let p = prices[i], id = UInt32(910_001 + i), size = UInt32.random(in: 1...30, using: &rng)
                let event = BookEvent(price: p, size: size, action: .modify, side: Bool.random(using: &rng) ? .bid : .ask,
                                      flags: .last, depth: UInt8.random(in: 0...4, using: &rng), tsRecv: ts, tsInDelta: 2_000,
                                      sequence: UInt32(truncatingIfNeeded: records))
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<55:
                    var levels = InlineArray<10, BidAskPair>(repeating: .empty)
                    for l in 0..<10 {
                        levels[l] = BidAskPair(bidPx: p - Int64(l) * 5_000_000, askPx: p + Int64(l + 1) * 5_000_000,
                                               bidSz: UInt32.random(in: 1...60, using: &rng), askSz: UInt32.random(in: 1...60, using: &rng),
                                               bidCt: UInt32.random(in: 1...6, using: &rng), askCt: UInt32.random(in: 1...6, using: &rng))
                    }
                    append(Mbp10Msg(publisherID: 1002, instrumentID: id, tsEvent: ts - 20_000, event: event, levels: levels))
                case 55..<85:
                    append(Mbp1Msg(publisherID: 1002, instrumentID: id, tsEvent: ts - 20_000, event: event,
                                   level: BidAskPair(bidPx: p, askPx: p + 5_000_000, bidSz: size, askSz: size + 3, bidCt: 2, askCt: 3)))
                case 85..<97:
                    append(TradeMsg(publisherID: 1002, instrumentID: id, tsEvent: ts - 20_000, price: p, size: size, side: .ask,
                                    flags: .last, tsRecv: ts, tsInDelta: 2_000, sequence: UInt32(truncatingIfNeeded: records)))
                default:
                    append(StatMsg(publisherID: 1002, instrumentID: id, tsEvent: ts - 20_000, tsRecv: ts, price: p,
                                   statType: .tradingSessionHighPrice))
                }
            }
        }
    }

    static func run(_ harness: inout Harness) {
        writeBenchmark(&harness)
        scanAndQueryBenchmarks(&harness)
    }

    /// Frame boundaries the writer would choose: before the record that would pass `frameBytes`.
    static func cuts(_ bytes: [UInt8], frameBytes: Int) -> [Int] {
        var cuts: [Int] = []
        var start = 0, at = 0
        while at < bytes.count {
            let length = Int(bytes[at]) * 4
            if at + length - start > frameBytes { cuts.append(at); start = at }
            at += length
        }
        cuts.append(bytes.count)
        return cuts
    }

    static func writeBenchmark(_ harness: inout Harness) {
        var tape = Tape(start: 1_799_073_000_000_000_000)
        tape.generate(bytes: 256 << 20, meanGapNs: 5_000)
        let frameBytes = 1 << 20
        let cutList = cuts(tape.bytes, frameBytes: frameBytes)
        // tmpfs, so that the timing is the writer's work and not this machine's disk; the files are
        // removed after the timing.
        let directory = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()) + "/cfeed-bench-archive-\(getpid())"
        let destination = UnsafeMutableRawPointer.allocate(byteCount: cb_lz4f_frame_bound(frameBytes + 4096), alignment: 64)
        defer { destination.deallocate() }
        var stored = 0
        var run = 0
        let timing = harness.measure({
            run += 1
            let folder = "\(directory)-\(run)"  // removed after the timing
            let writer = try! ArchiveWriter(directory: folder, venue: "cme", dataset: "CF.CME.MDP3",
                                            settings: ArchiveSettings(frameBytes: frameBytes, sync: .onClose))
            tape.append(to: writer)
            try! writer.close()
            stored = writer.paths.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        }, baseline: {
            tape.bytes.withUnsafeBytes { all in
                cutList.withUnsafeBufferPointer { c in
                    _ = cb_lz4f_compress_frames(all.baseAddress!.assumingMemoryBound(to: UInt8.self), c.baseAddress!, c.count,
                                                destination.assumingMemoryBound(to: UInt8.self), cb_lz4f_frame_bound(frameBytes + 4096))
                }
            }
        })
        for r in 1...run { try? FileManager.default.removeItem(atPath: "\(directory)-\(r)") }
        harness.report("archive write: frame + LZ4 + index + write (\(String(format: "%.1f", Double(tape.bytes.count) / Double(max(stored, 1))))x smaller)",
                       units: tape.bytes.count, unitName: "B", subject: timing.subject,
                       baselineName: "LZ4F_compressFrame only, same frames", baseline: timing.baseline, target: "throughput >= 0.9x baseline")
    }

    static func scanAndQueryBenchmarks(_ harness: inout Harness) {
        let target = 1_100 << 20
        var space = statvfs()
        let root = NSTemporaryDirectory()
        guard statvfs(root, &space) == 0, UInt64(space.f_bavail) * UInt64(space.f_frsize) > UInt64(target) else {
            print("archive scan/query: skipped, less than \(target >> 20) MiB free in \(root)")
            return
        }
        let directory = root + "/cfeed-bench-archive-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A >= 1 GB (uncompressed) archive over six hours of one day, written in 64 MB steps.
        let writer = try! ArchiveWriter(directory: directory, venue: "cme", dataset: "CF.CME.MDP3",
                                        settings: ArchiveSettings(frameBytes: 1 << 20, sync: .onClose))
        var tape = Tape(start: 1_799_035_200_000_000_000)  // 2027-01-04T04:00Z
        var written = 0
        var records = 0
        while written < target {
            tape.bytes.removeAll(keepingCapacity: true)
            tape.records = 0
            tape.generate(bytes: 64 << 20, meanGapNs: 5_000)
            tape.append(to: writer)
            written += tape.bytes.count
            records += tape.records
        }
        try! writer.close()
        let path = writer.paths[0]
        var sink: UInt64 = 0
        var scanned = 0
        let scan = harness.measure({
            let file = try! ArchiveFile(path: path)
            let reader = FrameReader()
            scanned = 0
            for entry in file.frames {
                try! reader.forEachRecord(of: entry, in: file) { record in
                    sink &+= record.indexTimestamp
                    scanned &+= 1
                }
            }
        }, baseline: {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "lz4 -dc '\(path)' > /dev/null"]
            try! p.run()
            p.waitUntilExit()
        })
        harness.report("archive full scan: \(written >> 20) MiB of records, every record walked", units: written, unitName: "B",
                       subject: scan.subject, baselineName: "lz4 -dc FILE > /dev/null", baseline: scan.baseline,
                       target: "throughput >= 1x baseline")

        let file = try! ArchiveFile(path: path)
        let first = file.firstTsRecv!, last = file.lastTsRecv!
        let span = last - first
        let start = first + span / 2, end = start + span / 100
        var selected = 0
        let query = harness.measure({
            let engine = try! QueryEngine(directory: directory, query: ArchiveQuery(venue: "cme", output: .everything, start: start, end: end))
            selected = try! engine.run { record in sink &+= record.indexTimestamp }
        }, baseline: {
            let reader = FrameReader()
            for entry in file.frames { try! reader.forEachRecord(of: entry, in: file) { sink &+= $0.indexTimestamp } }
        })
        harness.report("archive query: 1% of the time range (\(selected) of \(records) records)", units: selected, unitName: "records",
                       subject: query.subject, baselineName: "full scan of the same archive", baseline: query.baseline,
                       target: "time <= 3% of baseline")
        if sink == 42 { print("", scanned) }
    }
}
