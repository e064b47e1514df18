import ExchangeSim
import FeedEngine
import Foundation
import Testing
import TestSupport
import TickFormat
@testable import VenueICE

/// Packet mutation over real iMpact packets: random bit flips, truncations, bogus BodyLengths and
/// random bytes in the messages. The handler never crashes, and its books stay right:
/// - a copy that fails validation is ignored and the other line's clean copy gives the clean books;
/// - a copy that passes validation is data as far as any iMpact handler can tell (the protocol has
///   no checksum); an independent reference — the value decoder and plain dictionaries of orders —
///   processes the same bytes, and every market's orders must equal it, with the derived levels
///   equal to the orders' aggregate.
///
/// Only message bytes are mutated (a corrupted header is an arbitration matter). Debug builds run
/// 5,000 cases; release builds (Tools/test runs this suite in release) 100,000, or `CFEED_MUTATION_CASES`.
@Suite struct ICEMutationTests {
    struct Stream {
        var reference: ICEReferenceData
        var packets: [[UInt8]]
    }

    static let stream: Stream = {
        let config = ICESimulationConfig(seed: 41, durationNs: 4_000_000_000, eventsPerSecond: 400)
        let simulation = ICESimulator.run(config)
        var seen = Set<UInt32>()
        var packets: [[UInt8]] = []
        for d in simulation.datagrams where config.addresses.route(d.destination)?.feed == .live {
            let header = d.payload.withUnsafeBytes { ICEPacketHeader.read($0)! }
            if !header.isHeartbeat, seen.insert(header.sequence).inserted { packets.append(d.payload) }
        }
        packets.sort { $0.withUnsafeBytes { ICEPacketHeader.read($0)!.sequence } < $1.withUnsafeBytes { ICEPacketHeader.read($0)!.sequence } }
        return Stream(reference: simulation.reference, packets: Array(packets.prefix(80)))
    }()

    static var caseCount: Int { MutationCases.count(debug: 5_000, release: 100_000) }

    static func feed(_ packets: [[UInt8]], mutatedIndex: Int?, mutated: [UInt8]) -> ICEChannelHandler<CountingSink> {
        let handler = ICEChannelHandler(reference: stream.reference, configuration: ICEChannelConfiguration(arbitration: .init(startupGraceNs: 0)),
                                        sink: CountingSink())
        for (i, packet) in packets.enumerated() {
            let t = UInt64(i + 2) * 1000
            if i == mutatedIndex { mutated.withUnsafeBytes { handler.receive($0, feed: .live, line: 0, tsRecv: t) } }
            else { packet.withUnsafeBytes { handler.receive($0, feed: .live, line: 0, tsRecv: t) } }
            packet.withUnsafeBytes { handler.receive($0, feed: .live, line: 1, tsRecv: t + 1) }
        }
        handler.finish()
        return handler
    }

    static func mutate(_ packet: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var p = packet
        let body = p.count - ICEWire.headerLength
        guard body > 0 else { return p }
        func at() -> Int { ICEWire.headerLength + Int(rng.next() % UInt64(body)) }
        switch rng.next() % 5 {
        case 0:
            for _ in 0..<(1 + Int(rng.next() % 4)) { let i = at(); p[i] ^= UInt8(1) << UInt8(rng.next() % 8) }
        case 1:
            p.removeLast(1 + Int(rng.next() % UInt64(body)))
        case 2:  // a bogus BodyLength of the first message
            let v = UInt16(truncatingIfNeeded: rng.next() % (rng.chance(0.5) ? 80 : 65_536))
            p[17] = UInt8(v >> 8)
            p[18] = UInt8(v & 0xFF)
        case 3:  // a different message type
            p[16] = [0x45, 0x46, 0x47, 0x54, 0x4B, 0x4A, 0x44, 0x43, 0x7A][Int(rng.next() % 9)]
        default:
            let i = at()
            for j in i..<min(p.count, i + 1 + Int(rng.next() % 8)) { p[j] = UInt8(truncatingIfNeeded: rng.next()) }
        }
        return p
    }

    /// The reference: decode every message with the value decoder, keep orders in dictionaries.
    static func referenceBooks(_ packets: [[UInt8]]) -> [Int32: [Int64: (Bool, Int64, Int32)]] {
        var books: [Int32: [Int64: (Bool, Int64, Int32)]] = [:]
        let factors = Dictionary(uniqueKeysWithValues: stream.reference.markets.map { ($0.marketID, FixedPoint.factor(decimals: $0.dealPriceDenominator)!) })
        for id in factors.keys { books[id] = [:] }
        for packet in packets {
            packet.withUnsafeBytes { bytes in
                guard case .success(let view) = ICEPacketView.validate(bytes) else { return }
                view.forEachMessage { _, type, body in
                    switch ICEMessage.decode(type: type, body: body) {
                    case .addOrModifyOrder(let e):
                        guard let f = factors[e.order.marketID], e.order.isRFQ != UInt8(ascii: "Y") else { return }
                        books[e.order.marketID]![e.order.orderID] = (e.order.side == UInt8(ascii: "1"), e.order.price &* f, e.order.quantity)
                    case .deleteOrder(let d):
                        guard factors[d.marketID] != nil else { return }
                        books[d.marketID]![d.orderID] = nil
                    default: break
                    }
                }
            }
        }
        return books
    }

    @Test func mutatedPacketsNeverCrashAndNeverCorruptABook() {
        let packets = Self.stream.packets
        #expect(packets.count == 80)
        var rng = SeededRandom(seed: 2027)
        var rejected = 0, accepted = 0, comparisons = 0, failures: [String] = []
        for n in 0..<Self.caseCount {
            let index = Int(rng.next() % UInt64(packets.count))
            let mutated = Self.mutate(packets[index], &rng)
            let handler = Self.feed(packets, mutatedIndex: index, mutated: mutated)
            let valid = mutated.withUnsafeBytes { (try? ICEPacketView.validate($0).get()) != nil }
            if valid { accepted += 1 } else { rejected += 1 }
            var input = packets
            if valid { input[index] = mutated }
            let expected = Self.referenceBooks(input)
            for market in handler.markets {
                comparisons += 1
                let mine = market.orders.mapValues { ($0.isBid, $0.price, $0.quantity) }
                let theirs = expected[market.marketID] ?? [:]
                let same = mine.count == theirs.count && mine.allSatisfy { k, v in theirs[k].map { $0 == v } ?? false }
                // The derived levels are the aggregate of the orders.
                var bids: [Int64: (UInt32, UInt32)] = [:], asks: [Int64: (UInt32, UInt32)] = [:]
                for o in market.orders.values {
                    let q = UInt32(clamping: o.quantity)
                    if o.isBid { bids[o.price, default: (0, 0)].0 &+= q; bids[o.price, default: (0, 0)].1 += 1 }
                    else { asks[o.price, default: (0, 0)].0 &+= q; asks[o.price, default: (0, 0)].1 += 1 }
                }
                let ladderOK = market.bids.levels.map { [$0.price, Int64($0.size), Int64($0.orders)] } == bids.sorted { $0.key > $1.key }.map { [$0.key, Int64($0.value.0), Int64($0.value.1)] }
                    && market.asks.levels.map { [$0.price, Int64($0.size), Int64($0.orders)] } == asks.sorted { $0.key < $1.key }.map { [$0.key, Int64($0.value.0), Int64($0.value.1)] }
                if !same || !ladderOK, failures.count < 5 { failures.append("case \(n) packet \(index) market \(market.marketID) orders \(same) levels \(ladderOK)") }
            }
        }
        print("ICE mutation: \(Self.caseCount) cases, \(rejected) rejected, \(accepted) accepted, \(comparisons) book comparisons")
        #expect(rejected > 0 && accepted > 0)
        #expect(failures.isEmpty, "\(failures)")
    }
}
