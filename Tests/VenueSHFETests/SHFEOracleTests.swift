import ExchangeSim
import FeedEngine
import Testing
import TickFormat
@testable import VenueSHFE

/// The simulator is the oracle (without an MDQP server): at every packet end, every instrument
/// the handler does not flag stale has the true book; instruments a lost packet touched are
/// flagged; trades of packets that arrived equal the truth.
@Suite struct SHFEOracleTests {
    static func run(_ config: SHFESimulationConfig) -> (SHFEChannelHandler<RecordCollector>, SHFESimulation) {
        let simulation = SHFESimulator.run(config)
        let handler = SHFEChannelHandler(reference: simulation.reference, sink: RecordCollector())
        for d in simulation.datagrams {
            guard let line = config.addresses.firstIndex(of: d.destination) else { continue }
            d.payload.withUnsafeBytes { handler.receive($0, line: line, tsRecv: d.tsRecv) }
        }
        handler.finish()
        return (handler, simulation)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func booksEqualTheTruthWhereverTheyAreNotFlagged(seed: UInt64) {
        let (handler, simulation) = Self.run(SHFESimulationConfig(seed: seed, durationNs: 40_000_000_000, eventsPerSecond: 250,
                                                                  lineA: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01),
                                                                  lineB: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01, latencyNs: 35_000)))
        let truth = simulation.truth
        #expect(!truth.lostOnAllLines.isEmpty)
        var states: [String: SHFETruth.BookState] = [:]
        for s in truth.events { states["\(s.instrumentNo)/\(s.packetNo)"] = s }
        var checks = 0, flagged = 0, mismatches: [String] = []
        for r in handler.sink.all(Mbp10Msg.self) where r.event.flags.contains(.last) {
            if r.event.flags.contains(.maybeBadBook) { flagged += 1; continue }
            let no = Int32(r.instrumentID - 1_001_000_000)
            guard let s = states["\(no)/\(r.event.sequence)"] else { mismatches.append("no truth for \(no) at \(r.event.sequence)"); continue }
            checks += 1
            let pairs = (0..<10).map { i -> BidAskPair in
                let b = i < s.bids.count ? s.bids[i] : .empty, a = i < s.asks.count ? s.asks[i] : .empty
                return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: 0, askCt: 0)
            }
            if (0..<10).map({ r.levels[$0] }) != pairs { mismatches.append("\(no) at packet \(r.event.sequence)") }
        }
        #expect(checks > 2_000, "checks \(checks)")
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // The packets the handler declared lost: those lost on both lines, and any that one line
        // reordered past the point where both lines had passed it (DESIGN.md's gap rule).
        var declared = Set<Int32>()
        for notice in handler.sink.all(SystemMsg.self) where notice.msg.string.hasPrefix("gap ") {
            let fields = Dictionary(uniqueKeysWithValues: notice.msg.string.split(separator: " ").dropFirst().compactMap { f -> (String, Int32)? in
                let kv = f.split(separator: "=")
                return kv.count == 2 ? (String(kv[0]), Int32(kv[1]) ?? 0) : nil
            })
            if let from = fields["from"], let to = fields["to"] { for n in from...to { declared.insert(n) } }
        }
        #expect(declared.isSuperset(of: truth.lostOnAllLines))
        // The instruments of lost packets are flagged from their next group on.
        let touched = Set(truth.events.filter { declared.contains($0.packetNo) }.map(\.instrumentNo))
        for no in touched { #expect(handler.instrument(symbol: "tk27" + (no < 10 ? "0" : "") + String(no))?.isStale == true, "tk \(no)") }
        #expect(flagged > 0)
        // Final books of the unflagged instruments, and the trades of every packet that arrived.
        for i in handler.instruments.indices where !handler.instruments[i].isStale {
            let inst = handler.instruments[i]
            let final = truth.finalBooks[inst.instrumentNo]!
            #expect(inst.book.bids.array == final.bids && inst.book.asks.array == final.asks, "\(inst.symbol)")
        }
        let expected = truth.trades.filter { !declared.contains($0.packetNo) }
        let tape = handler.sink.all(TradeMsg.self).map { SHFETruth.Trade(instrumentNo: Int32($0.instrumentID - 1_001_000_000), packetNo: Int32($0.sequence), price: $0.price, size: $0.size) }
        let firstDifference = zip(tape, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(tape.count == expected.count && firstDifference == nil,
                "tape \(tape.count), truth \(expected.count), first difference \(String(describing: firstDifference))")
    }

    @Test func cleanLinesNeedNothingFlagged() {
        let (handler, simulation) = Self.run(SHFESimulationConfig(seed: 9, durationNs: 20_000_000_000))
        #expect(handler.instruments.indices.allSatisfy { !handler.instruments[$0].isStale })
        #expect(handler.stats.bookInconsistencies == 0 && handler.arbiter.gaps == 0)
        for i in handler.instruments.indices {
            let inst = handler.instruments[i], final = simulation.truth.finalBooks[inst.instrumentNo]!
            #expect(inst.book.bids.array == final.bids && inst.book.asks.array == final.asks, "\(inst.symbol)")
        }
    }
}
