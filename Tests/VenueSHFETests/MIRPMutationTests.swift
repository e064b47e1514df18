import ExchangeSim
import FeedEngine
import Foundation
import Testing
import TestSupport
import TickFormat
@testable import VenueSHFE

/// Packet mutation over real MIRP packets: bit flips, truncations, bogus FieldSizes and random
/// bytes after the header. The handler never crashes, and every instrument it does not flag has
/// the book an independent reference (the value decoder and plain 5-level arrays with the §7
/// rules) builds from the same bytes. Debug 5,000 cases; release 100,000, or `CFEED_MUTATION_CASES`.
@Suite struct MIRPMutationTests {
    static let packets: [[UInt8]] = {
        let simulation = SHFESimulator.run(SHFESimulationConfig(seed: 51, durationNs: 3_000_000_000, eventsPerSecond: 400))
        var seen = Set<Int32>(), out: [[UInt8]] = []
        for d in simulation.datagrams {
            let h = d.payload.withUnsafeBytes { MIRPHeader.read($0)! }
            if !h.isHeartbeat, seen.insert(h.packetNo).inserted { out.append(d.payload) }
        }
        out.sort { $0.withUnsafeBytes { MIRPHeader.read($0)!.packetNo } < $1.withUnsafeBytes { MIRPHeader.read($0)!.packetNo } }
        return Array(out.prefix(80))
    }()

    static var caseCount: Int { MutationCases.count(debug: 5_000, release: 100_000) }

    static func mutate(_ packet: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var p = packet
        let body = p.count - MIRPHeader.length
        guard body > 0 else { return p }
        func at() -> Int { MIRPHeader.length + Int(rng.next() % UInt64(body)) }
        switch rng.next() % 4 {
        case 0: for _ in 0..<(1 + Int(rng.next() % 4)) { let i = at(); p[i] ^= UInt8(1) << UInt8(rng.next() % 8) }
        case 1: p.removeLast(1 + Int(rng.next() % UInt64(body)))
        case 2: p[26] = UInt8(truncatingIfNeeded: rng.next() % 16)  // the first field's FieldSize
        default: let i = at(); for j in i..<min(p.count, i + 1 + Int(rng.next() % 6)) { p[j] = UInt8(truncatingIfNeeded: rng.next()) }
        }
        return p
    }

    /// The reference books: arrays of (price offset, volume) per side, §7 rules, in arrival order.
    static func referenceBooks(_ packets: [[UInt8]]) -> [Int64: (bids: [(Int64, Int64)], asks: [(Int64, Int64)])] {
        var books: [Int64: (bids: [(Int64, Int64)], asks: [(Int64, Int64)])] = [:]
        for no in 1...12 { books[Int64(no)] = ([], []) }
        for packet in packets {
            packet.withUnsafeBytes { b in
                guard case .success(let view) = MIRPPacketView.validate(b) else { return }
                var current: Int64?
                view.forEachField { field in
                    switch field {
                    case .contractHeader(let no, _): current = books[no] != nil ? no : nil
                    case .priceChange(let event, let side, let level, let offset, let volume):
                        guard let no = current, (1...5).contains(level), side == 0x30 || side == 0x31 else { return }
                        var levels = side == 0x30 ? books[no]!.bids : books[no]!.asks
                        let k = Int(level) - 1
                        switch event {
                        case 0x31: if k <= levels.count { levels.insert((offset, volume), at: k); if levels.count > 5 { levels.removeLast() } }
                        case 0x32: if k < levels.count { levels[k] = (offset, volume) }
                        case 0x33: if k < levels.count { levels.remove(at: k) }
                        default: break
                        }
                        if side == 0x30 { books[no]!.bids = levels } else { books[no]!.asks = levels }
                    default: break
                    }
                }
            }
        }
        return books
    }

    @Test func mutatedPacketsNeverCrashAndNeverCorruptAnUnflaggedBook() {
        let packets = Self.packets
        #expect(packets.count == 80)
        var rng = SeededRandom(seed: 2028)
        var rejected = 0, accepted = 0, compared = 0, failures: [String] = []
        for n in 0..<Self.caseCount {
            let index = Int(rng.next() % UInt64(packets.count))
            let mutated = Self.mutate(packets[index], &rng)
            let handler = SHFEChannelHandler(reference: SHFESimulator.tokenFutures,
                                             configuration: .init(arbitration: .init(startupGraceNs: 0)), sink: CountingSink())
            for (i, p) in packets.enumerated() {
                let t = UInt64(i + 2) * 1000
                (i == index ? mutated : p).withUnsafeBytes { handler.receive($0, line: 0, tsRecv: t) }
                p.withUnsafeBytes { handler.receive($0, line: 1, tsRecv: t + 1) }
            }
            handler.finish()
            let valid = mutated.withUnsafeBytes { (try? MIRPPacketView.validate($0).get()) != nil }
            if valid { accepted += 1 } else { rejected += 1 }
            var input = packets
            if valid { input[index] = mutated }
            let expected = Self.referenceBooks(input)
            for i in handler.instruments.indices where !handler.instruments[i].isStale {
                let inst = handler.instruments[i]
                compared += 1
                let ref = expected[Int64(inst.instrumentNo)]!
                func fp(_ l: [(Int64, Int64)]) -> [PriceLevel] { l.map { PriceLevel(price: inst.codecFP + $0.0 * inst.tickFP, size: UInt32($0.1), orders: 0) } }
                if inst.book.bids.array != fp(ref.bids) || inst.book.asks.array != fp(ref.asks), failures.count < 5 {
                    failures.append("case \(n) packet \(index) \(inst.symbol)")
                }
            }
        }
        print("MIRP mutation: \(Self.caseCount) cases, \(rejected) rejected, \(accepted) accepted, \(compared) book comparisons")
        #expect(rejected > 0 && accepted > 0)
        #expect(failures.isEmpty, "\(failures)")
    }
}
