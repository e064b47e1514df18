import ExchangeSim
import FeedEngine
import Foundation
import Testing
import TestSupport
import TickFormat
@testable import VenueCME

/// Packet mutation: random bit flips, truncations, bogus MsgSize / blockLength / group counts over
/// real packets. The handler never crashes, and never holds a wrong book for an instrument it does
/// not mark stale:
/// - a mutated copy that fails validation is ignored, and the clean copy from the other line gives
///   exactly the clean books;
/// - a mutated copy that passes validation is data as far as any MDP 3.0 handler can tell (the
///   protocol has no checksum); then an independent reference — the value decoder and naive array
///   books with the RptSeq rules of §8–9 — processes the same bytes, and every instrument the
///   handler does not mark stale must equal it.
///
/// Only message bytes are mutated: a corrupted MsgSeqNum is an arbitration matter, tested with the
/// arbiter. Debug builds run 20,000 cases; release builds (Tools/test runs the heavy suites in
/// release) run 100,000, or `CFEED_MUTATION_CASES`.
@Suite struct MutationTests {
    struct Stream {
        var definitions: [[UInt8]]
        var packets: [[UInt8]]
        var cleanBooks: [Int32: LevelBook]
    }

    static let stream: Stream = {
        let config = CMESimulationConfig(seed: 31, durationNs: 3_000_000_000, eventsPerSecond: 400)
        let simulation = CMESimulator.run(config)
        let definitions = simulation.datagrams.filter { $0.line == 0 && config.addresses.route($0.destination)?.feed == .definition }
            .prefix(3).map(\.payload)
        var seen = Set<UInt32>()
        var packets: [[UInt8]] = []
        for d in simulation.datagrams where config.addresses.route(d.destination)?.feed == .incremental {
            let seq = d.payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            if seen.insert(seq).inserted { packets.append(d.payload) }
        }
        packets.sort { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } < $1.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
        packets = Array(packets.prefix(60))
        let handler = feed(definitions: Array(definitions), packets: packets, mutatedIndex: nil, mutated: [])
        var books: [Int32: LevelBook] = [:]
        for inst in handler.activeInstruments { books[inst.securityID] = inst.book }
        return Stream(definitions: Array(definitions), packets: packets, cleanBooks: books)
    }()

    /// Each packet on line A (the mutated one in its place), then on line B; `batched`: all of
    /// them in one batch (`receive(_:feed:)`, whose loop has the steady state inlined), else one
    /// datagram at a time.
    static func feed(definitions: [[UInt8]], packets: [[UInt8]], mutatedIndex: Int?, mutated: [UInt8], batched: Bool = false)
        -> CMEChannelHandler<CountingSink>
    {
        let handler = CMEChannelHandler(configuration: CMEChannelConfiguration(arbitration: .init(startupGraceNs: 0)),
                                        sink: CountingSink())
        for d in definitions { d.withUnsafeBytes { handler.receive($0, feed: .definition, line: 0, tsRecv: 1) } }
        var arrivals: [(bytes: [UInt8], line: Int, tsRecv: UInt64)] = []
        for (i, packet) in packets.enumerated() {
            let t = UInt64(i + 2) * 1000
            arrivals.append((i == mutatedIndex ? mutated : packet, 0, t))
            arrivals.append((packet, 1, t + 1))
        }
        if batched {
            withReceivedBatch(arrivals) { handler.receive($0, feed: .incremental) }
        } else {
            for a in arrivals { a.bytes.withUnsafeBytes { handler.receive($0, feed: .incremental, line: a.line, tsRecv: a.tsRecv) } }
        }
        handler.finish()
        return handler
    }

    /// Mutates message bytes (offset ≥ 12) of `packet`.
    static func mutate(_ packet: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var p = packet
        let body = p.count - 12
        guard body > 0 else { return p }
        func at() -> Int { 12 + Int(rng.next() % UInt64(body)) }
        switch rng.next() % 6 {
        case 0:  // bit flips
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = at()
                p[i] ^= UInt8(1) << UInt8(rng.next() % 8)
            }
        case 1:  // truncation
            p.removeLast(1 + Int(rng.next() % UInt64(body)))
        case 2:  // bogus MsgSize of the first message
            let v = UInt16(truncatingIfNeeded: rng.next())
            p[12] = UInt8(v & 0xFF)
            p[13] = UInt8(v >> 8)
        case 3:  // bogus root blockLength
            p[14] = UInt8(truncatingIfNeeded: rng.next())
            p[15] = rng.chance(0.5) ? 0 : UInt8(truncatingIfNeeded: rng.next())
        case 4:  // bogus group count or group blockLength (first group of the first message)
            if p.count > 26 {
                let block = Int(p[14]) | Int(p[15]) << 8
                let g = 22 + block
                if g + 2 < p.count { p[g + (rng.chance(0.5) ? 2 : 0)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        default:  // random bytes over a small span
            let i = at()
            for j in i..<min(p.count, i + 1 + Int(rng.next() % 8)) { p[j] = UInt8(truncatingIfNeeded: rng.next()) }
        }
        return p
    }

    /// Naive reference: value decoding and array books with the RptSeq rules. Returns nil when the
    /// packets hold templates the reference does not model (a mutation that made a reset, a
    /// definition, a status, a snapshot or an order-book message); the case then checks only that
    /// nothing crashed.
    struct Reference {
        var books: [Int32: (bids: [PriceLevel], asks: [PriceLevel])] = [:]
        var last: [Int32: UInt32] = [:]
        var stale: Set<Int32> = []
        let depth = 10

        init(ids: [Int32]) { for id in ids { books[id] = ([], []); last[id] = 0 } }

        mutating func admit(_ id: Int32, _ rpt: UInt32) -> Bool {
            guard let l = last[id] else { return false }
            if rpt <= l { return false }
            if rpt != l &+ 1 { stale.insert(id) }
            last[id] = rpt
            return true
        }

        mutating func apply(_ e: Book46.Entry) {
            guard var (bids, asks) = books[e.securityID] else { return }
            let isBid: Bool
            switch e.entryType {
            case MDEntryType.bid: isBid = true
            case MDEntryType.offer: isBid = false
            case MDEntryType.bookReset:
                books[e.securityID] = ([], [])
                return
            default: return
            }
            var side = isBid ? bids : asks
            let k = Int(e.priceLevel) - 1
            let level = PriceLevel(price: e.price, size: UInt32(clamping: e.size == MDP3.nullInt32 ? 0 : max(0, e.size)),
                                   orders: UInt32(clamping: e.numberOfOrders == MDP3.nullInt32 ? 0 : max(0, e.numberOfOrders)))
            var ok = true
            switch e.updateAction {
            case 0:
                if k >= 0 && k < depth {
                    if k > side.count { ok = false }
                    side.insert(level, at: min(k, side.count))
                    if side.count > depth { side.removeLast() }
                }
            case 1:
                if k >= 0 && k < depth {
                    if k < side.count {
                        if level.price != undefPrice { side[k].price = level.price }
                        side[k].size = level.size
                        side[k].orders = level.orders
                    } else { ok = false }
                }
            case 2:
                if k >= 0 && k < depth { if k < side.count { side.remove(at: k) } else { ok = false } }
            case 3: side.removeAll()
            case 4:
                if k < 0 { ok = false } else { side.removeFirst(min(k + 1, side.count)); if k + 1 > depth { ok = false } }
            case 5:
                if k >= 0 && k < depth { if k < side.count { side[k] = level } else if k == side.count { side.append(level) } else { ok = false } }
            default: return
            }
            if !ok { stale.insert(e.securityID) }
            if isBid { bids = side } else { asks = side }
            books[e.securityID] = (bids, asks)
        }

        /// Applies one packet; false when it holds something the reference does not model.
        mutating func process(_ packet: [UInt8]) -> Bool {
            var modelled = true
            packet.withUnsafeBytes { raw in
                guard case .success = MDP3PacketView.validate(raw) else { return }
                MDP3PacketView(unchecked: raw).forEachMessage { m in
                    guard let message = MDP3Message.decode(m) else {
                        if m.template != nil { return }  // malformed message: skipped by both
                        return
                    }
                    switch message {
                    case .book(let b): for e in b.entries where admit(e.securityID, e.rptSeq) { apply(e) }
                    case .tradeSummary(let t): for e in t.entries { _ = admit(e.securityID, e.rptSeq) }
                    case .volume(let v): for e in v.entries { _ = admit(e.securityID, e.rptSeq) }
                    case .sessionStatistics(let s): for e in s.entries { _ = admit(e.securityID, e.rptSeq) }
                    case .dailyStatistics(let d): for e in d.entries { _ = admit(e.securityID, e.rptSeq) }
                    case .heartbeat, .securityStatus, .orderBook, .snapshot, .snapshotOrderBook: break  // no MBP book effect
                    case .channelReset, .definition: modelled = false
                    }
                }
            }
            return modelled
        }
    }

    static var caseCount: Int { MutationCases.count(debug: 20_000, release: 100_000) }

    @Test func mutatedPacketsNeverCrashAndNeverCorruptAnUnflaggedBook() {
        let stream = Self.stream
        #expect(stream.packets.count == 60 && stream.cleanBooks.count == 8)
        var rng = SeededRandom(seed: 0xC0FFEE)
        var rejected = 0, accepted = 0, compared = 0, unmodelled = 0
        var failures: [String] = []
        // Short streams keep each case cheap: the mutated packet is one of the first 30.
        let packets = Array(stream.packets.prefix(30))
        let cleanBooks = Self.feed(definitions: stream.definitions, packets: packets, mutatedIndex: nil, mutated: [])
            .activeInstruments.reduce(into: [Int32: LevelBook]()) { $0[$1.securityID] = $1.book }
        for caseNumber in 0..<Self.caseCount {
            let k = Int(rng.next() % UInt64(packets.count))
            let mutated = Self.mutate(packets[k], &rng)
            // Every other case through the batch receive: the steady state is compiled into its loop too.
            let handler = Self.feed(definitions: stream.definitions, packets: packets, mutatedIndex: k, mutated: mutated,
                                    batched: caseNumber % 2 == 1)
            let valid = mutated.withUnsafeBytes { if case .success = MDP3PacketView.validate($0) { true } else { false } }
            if !valid {
                rejected += 1
                for inst in handler.activeInstruments where inst.book != cleanBooks[inst.securityID] || inst.isStale {
                    failures.append("case \(caseNumber): rejected copy changed \(inst.symbol)")
                }
                continue
            }
            accepted += 1
            var reference = Reference(ids: Array(cleanBooks.keys))
            var modelled = true
            for (i, packet) in packets.enumerated() { modelled = reference.process(i == k ? mutated : packet) && modelled }
            guard modelled else {
                unmodelled += 1
                continue
            }
            for inst in handler.activeInstruments where !inst.isStale {
                compared += 1
                guard let ref = reference.books[inst.securityID], !reference.stale.contains(inst.securityID) else {
                    failures.append("case \(caseNumber): \(inst.symbol) not stale, but the reference saw a gap or an inconsistency")
                    continue
                }
                if inst.book.bids.array != ref.bids || inst.book.asks.array != ref.asks {
                    failures.append("case \(caseNumber): \(inst.symbol) differs from the reference")
                }
            }
            if failures.count > 10 { break }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(rejected > Self.caseCount / 10 && accepted > Self.caseCount / 10, "rejected \(rejected), accepted \(accepted)")
        #expect(compared > 0)
        print("mutation: \(Self.caseCount) cases, \(rejected) rejected, \(accepted) accepted (\(unmodelled) unmodelled), \(compared) book comparisons")
    }
}
