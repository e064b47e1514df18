import Foundation
import Testing
import TestSupport
import TickFormat
@testable import TickArchive

@Suite struct QueryTests {
    /// An archive of three writers: two overlapping on the same days (parts), one later.
    static func makeArchive(_ dir: TemporaryDirectory) throws -> [[UInt8]] {
        let base: UInt64 = 1_798_761_600_000_000_000 - 3_600_000_000_000
        let a = SyntheticTape(seed: 11, count: 6_000, start: base, meanGap: 1_000_000_000).records
        let b = SyntheticTape(seed: 12, count: 4_000, start: base + 500_000_000_000, meanGap: 1_500_000_000).records
        let c = SyntheticTape(seed: 13, count: 3_000, start: base + 2 * 86_400_000_000_000, meanGap: 800_000_000).records
        try writeArchive(a, directory: dir.path, frameBytes: 8192)
        try writeArchive(b, directory: dir.path, frameBytes: 4096)
        try writeArchive(c, directory: dir.path, frameBytes: 16384)
        // The reference: every file's records (read back through the plain reader), merged by ts_recv, ties by file order.
        var keyed: [(ts: UInt64, file: Int, position: Int, bytes: [UInt8])] = []
        for (f, path) in try ArchiveCatalog.files(in: dir.path, venue: "cme").enumerated() {
            for (p, r) in try readAll(try ArchiveFile(path: path)).enumerated() {
                keyed.append((SyntheticTape.indexTimestamp(r), f, p, r))
            }
        }
        keyed.sort { ($0.ts, $0.file, $0.position) < ($1.ts, $1.file, $1.position) }
        return keyed.map(\.bytes)
    }

    static func run(_ dir: TemporaryDirectory, _ query: ArchiveQuery) throws -> [[UInt8]] {
        let engine = try QueryEngine(directory: dir.path, query: query)
        var out: [[UInt8]] = []
        try engine.run { out.append(Array($0.bytes)) }
        return out
    }

    @Test func resultsEqualABruteForceFilterForRandomQueries() throws {
        let dir = TemporaryDirectory()
        let all = try Self.makeArchive(dir)
        let first = SyntheticTape.indexTimestamp(all.first!), last = SyntheticTape.indexTimestamp(all.last!)
        var rng = SplitMix64(seed: 2027)
        let idsBySymbol = Dictionary(uniqueKeysWithValues: SyntheticTape.symbols.enumerated().map { ($0.element, SyntheticTape.id($0.offset)) })
        let rtypeOf: [String: UInt8] = ["mbo": 0xA0, "mbp-1": 0x01, "mbp-10": 0x0A, "trades": 0x00, "definition": 0x13,
                                        "status": 0x12, "statistics": 0x18]
        var nonEmpty = 0
        for trial in 0..<60 {
            // Windows around the data (the archive has a two-day hole), sometimes spanning all of it.
            let i = Int.random(in: 0..<all.count, using: &rng), j = min(all.count - 1, i + Int.random(in: 0...3_000, using: &rng))
            let (start, end) = trial % 10 == 0 ? (first, last + 1)
                : (SyntheticTape.indexTimestamp(all[i]) + UInt64(trial % 2), SyntheticTape.indexTimestamp(all[j]) + 2)
            let symbols = Bool.random(using: &rng) ? nil : Array(SyntheticTape.symbols.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)))
            let name = Array(rtypeOf.keys).sorted()[Int.random(in: 0..<rtypeOf.count, using: &rng)]
            let limit = trial % 5 == 0 ? Int.random(in: 1...50, using: &rng) : nil
            let query = ArchiveQuery(venue: "cme", symbols: symbols, output: ArchiveQuery.output(named: name)!, start: start, end: end, limit: limit)
            let got = try Self.run(dir, query)
            let ids = symbols.map { Set($0.map { idsBySymbol[$0]! }) }
            var expected = all.filter { r in
                let ts = SyntheticTape.indexTimestamp(r)
                return r[1] == rtypeOf[name]! && ts >= start && ts < end && (ids?.contains(SyntheticTape.instrumentID(r)) ?? true)
            }
            if let limit { expected = Array(expected.prefix(limit)) }
            #expect(got == expected, "trial \(trial): \(name) \(symbols ?? []) [\(start), \(end)) limit \(limit ?? -1)")
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty > 35)
    }

    @Test func ohlcvBarsEqualBarsComputedFromTheTrades() throws {
        let dir = TemporaryDirectory()
        let all = try Self.makeArchive(dir)
        let trades = all.filter { $0[1] == 0x00 }.map { r in r.withUnsafeBytes { $0.loadUnaligned(as: TradeMsg.self) } }
        let first = trades.first!.tsRecv, last = trades.last!.tsRecv
        var rng = SplitMix64(seed: 77)
        for (name, interval) in [("ohlcv-1s", UInt64(1_000_000_000)), ("ohlcv-1m", 60_000_000_000), ("ohlcv-1h", 3_600_000_000_000), ("ohlcv-1d", 86_400_000_000_000)] {
            for _ in 0..<4 {
                let a = UInt64.random(in: first...last, using: &rng), b = UInt64.random(in: first...last, using: &rng)
                let (start, end) = (min(a, b), max(a, b) + 1)
                let symbols = Bool.random(using: &rng) ? nil : [SyntheticTape.symbols[Int.random(in: 0..<5, using: &rng)]]
                let got = try Self.run(dir, ArchiveQuery(venue: "cme", symbols: symbols, output: ArchiveQuery.output(named: name)!, start: start, end: end))
                    .map { r in r.withUnsafeBytes { $0.loadUnaligned(as: OhlcvMsg.self) } }
                // Independent computation: group the selected trades, then fold each group.
                let wanted = symbols.map { s in Set(s.map { SyntheticTape.id(SyntheticTape.symbols.firstIndex(of: $0)!) }) }
                let selected = trades.filter { $0.tsRecv >= start && $0.tsRecv < end && (wanted?.contains($0.header.instrumentID) ?? true) }
                var groups: [String: [TradeMsg]] = [:]
                var order: [(UInt64, UInt32)] = []
                for t in selected {
                    let bucket = t.header.tsEvent / interval * interval
                    let key = "\(bucket)/\(t.header.instrumentID)"
                    if groups[key] == nil { order.append((bucket, t.header.instrumentID)) }
                    groups[key, default: []].append(t)
                }
                order.sort { $0 < $1 }
                let expected = order.map { bucket, id -> (UInt64, UInt32, Int64, Int64, Int64, Int64, UInt64) in
                    let g = groups["\(bucket)/\(id)"]!
                    return (bucket, id, g.first!.price, g.map(\.price).max()!, g.map(\.price).min()!, g.last!.price, g.reduce(0) { $0 + UInt64($1.size) })
                }
                #expect(got.count == expected.count, "\(name)")
                for (bar, e) in zip(got, expected) {
                    #expect(bar.header.tsEvent == e.0 && bar.header.instrumentID == e.1 && bar.open == e.2 && bar.high == e.3
                            && bar.low == e.4 && bar.close == e.5 && bar.volume == e.6, "\(name) bar at \(e.0)")
                    #expect(bar.header.rtype == ArchiveQuery.output(named: name).map { if case .ohlcv(_, _, let r) = $0 { r } else { RType.mbp0 } })
                }
            }
        }
    }

    @Test func theIndexSkipsFramesOutsideTheWindow() throws {
        let dir = TemporaryDirectory()
        let all = try Self.makeArchive(dir)
        let t0 = SyntheticTape.indexTimestamp(all[all.count / 2])
        let engine = try QueryEngine(directory: dir.path, query: ArchiveQuery(venue: "cme", output: .records(.trades), start: t0, end: t0 + 10_000_000_000))
        #expect(engine.selectedFrames > 0)
        #expect(engine.selectedFrames * 20 < engine.totalFrames)
    }

    @Test func badRequestsGiveOneClearError() throws {
        let dir = TemporaryDirectory()
        _ = try Self.makeArchive(dir)
        func message(_ query: ArchiveQuery, in directory: String? = nil) -> String {
            do { _ = try QueryEngine(directory: directory ?? dir.path, query: query); return "no error" } catch { return error.description }
        }
        #expect(message(ArchiveQuery(venue: "cme", symbols: ["NOPE"], output: .records(.trades))).hasPrefix("unknown symbol 'NOPE' for venue cme (known: GB2F7"))
        #expect(message(ArchiveQuery(venue: "cme", output: .records(.trades), start: 10, end: 5)).contains("must be before the end"))
        #expect(message(ArchiveQuery(venue: "ice", output: .records(.trades))) .contains("no archive for venue 'ice'"))
        #expect(message(ArchiveQuery(venue: "cme", output: .records(.trades)), in: dir.path + "/missing").contains("does not exist"))
    }

    @Test func definitionsInEffectPrecedeAWindowThatStartsLater() throws {
        let dir = TemporaryDirectory()
        let all = try Self.makeArchive(dir)
        let t0 = SyntheticTape.indexTimestamp(all[all.count / 3])
        let got = try Self.run(dir, ArchiveQuery(venue: "cme", symbols: ["GH1H7"], output: .records(.trades), start: t0, end: .max,
                                                 definitionsInEffect: true))
        #expect(got.first?[1] == RType.instrumentDef.rawValue)
        #expect(got.filter { $0[1] == RType.instrumentDef.rawValue }.count >= 1)
        #expect(got.dropFirst().allSatisfy { SyntheticTape.indexTimestamp($0) >= t0 })
    }
}
