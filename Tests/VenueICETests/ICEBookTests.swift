import ExchangeSim
import TickFormat
import Testing
@testable import VenueICE

@Suite struct ICEBookTests {
    /// The order table against a Dictionary over random inserts, replacements and removals
    /// (colliding keys included), through several growths.
    @Test func theOrderTableBehavesLikeADictionary() {
        var table = OrderTable(capacity: 4)
        defer { table.release() }
        var reference: [Int64: ICEBookOrder] = [:]
        var rng = SeededRandom(seed: 5)
        for step in 0..<200_000 {
            // Few distinct keys, spaced to collide after hashing and masking sometimes.
            let key = Int64(rng.next() % 3_000) * (step % 3 == 0 ? 1024 : 1)
            let order = ICEBookOrder(orderID: key, isBid: rng.chance(0.5), price: Int64(rng.next() % 100), quantity: Int32(rng.next() % 50),
                                     isImplied: false, priority: UInt64(step))
            if rng.chance(0.45) {
                #expect(table.remove(key) == reference.removeValue(forKey: key))
            } else {
                #expect(table.update(order, forKey: key) == reference.updateValue(order, forKey: key))
            }
            if step % 10_000 == 0 {
                #expect(table.count == reference.count)
                for (k, v) in reference { #expect(table[k] == v) }
            }
        }
        #expect(Set(table.allValues.map(\.orderID)) == Set(reference.keys))
    }

    @Test func theLadderAggregatesAndOrdersLevels() {
        var bids = ICEPriceLadder(isBid: true), asks = ICEPriceLadder(isBid: false)
        defer { bids.release(); asks.release() }
        for (p, q) in [(100, 5), (102, 1), (101, 2), (102, 3), (99, 4)] as [(Int64, Int32)] {
            bids.add(price: p, quantity: q)
            asks.add(price: p, quantity: q)
        }
        #expect(bids.levels.map(\.price) == [102, 101, 100, 99])
        #expect(asks.levels.map(\.price) == [99, 100, 101, 102])
        #expect(bids.level(0).size == 4 && bids.level(0).orders == 2)
        bids.remove(price: 102, quantity: 1)
        #expect(bids.level(0).size == 3 && bids.level(0).orders == 1)
        bids.remove(price: 102, quantity: 3)
        #expect(bids.levels.map(\.price) == [101, 100, 99])
        for p in 0..<200 { bids.add(price: Int64(1000 + p), quantity: 1) }  // grows past its first buffer
        #expect(bids.count == 203 && bids.level(0).price == 1199)
    }
}

@Suite struct ICEMappingTests {
    /// Found by the mutation test in release: a mutated OpenInterestDate of 9999-99-99 overflowed.
    @Test func datesOffTheWireNeverOverflow() {
        #expect(ICEMapping.midnight(20_270_104) == 1_799_020_800_000_000_000)
        for date in [99_999_999, 0, 19_691_231, 22_010_101, 20_271_301, 20_270_100, UInt32.max] as [UInt32] {
            #expect(ICEMapping.midnight(date) == undefTimestamp)
        }
    }
}
