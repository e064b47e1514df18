import TestSupport
import TickFormat
import Testing
@testable import FeedEngine

/// The positional book of MDP 3.0 §8.1 (also SHFE's and ICE's price-level books).
@Suite struct LevelBookTests {
    func level(_ p: Int64, _ s: UInt32 = 1) -> PriceLevel { PriceLevel(price: p, size: s, orders: 1) }
    func prices(_ side: BookSide) -> [Int64] { side.array.map(\.price) }

    @Test func newInsertsAndShiftsDownTheLastFallsOff() {
        var side = BookSide(depth: 3)
        var results: [Bool] = []
        results.append(side.insert(level(100), at: 1))
        results.append(side.insert(level(99), at: 2))
        results.append(side.insert(level(101), at: 1))
        #expect(prices(side) == [101, 100, 99])
        results.append(side.insert(level(102), at: 1))
        #expect(prices(side) == [102, 101, 100])  // 99 fell off
        results.append(side.insert(level(50), at: 4))  // beyond depth: ignored, not an error
        #expect(prices(side) == [102, 101, 100])
        #expect(results.allSatisfy { $0 })
    }

    @Test func changeKeepsPositionAndDeleteShiftsUp() {
        var side = BookSide(depth: 10)
        for (i, p) in [10, 9, 8, 7].enumerated() { side.insert(level(Int64(p)), at: i + 1) }
        let changed = side.change(PriceLevel(price: 9, size: 50, orders: 4), at: 2)
        #expect(changed)
        #expect(side[1] == PriceLevel(price: 9, size: 50, orders: 4))
        let (ok, removed) = side.delete(at: 1)
        #expect(ok && removed.price == 10)
        #expect(prices(side) == [9, 8, 7])
        #expect(side[3] == .empty)
    }

    @Test func deleteFromRemovesTheTopLevels() {
        var side = BookSide(depth: 10)
        for (i, p) in [10, 9, 8, 7, 6].enumerated() { side.insert(level(Int64(p)), at: i + 1) }
        side.deleteFrom(level: 2)
        #expect(prices(side) == [8, 7, 6])
        side.deleteFrom(level: 9)
        #expect(side.count == 0)
    }

    @Test func overlayReplacesWithoutShifting() {
        var side = BookSide(depth: 10)
        side.insert(level(10), at: 1)
        side.insert(level(9), at: 2)
        let a = side.overlay(level(11, 5), at: 2)
        #expect(a && prices(side) == [10, 11])
        let b = side.overlay(level(8), at: 3)
        #expect(b && side.count == 3)
    }

    @Test func inconsistentMessagesAreReportedButDoNotBreakTheBook() {
        var side = BookSide(depth: 10)
        side.insert(level(10), at: 1)
        let changeEmpty = side.change(level(9), at: 2)
        let deleteEmpty = side.delete(at: 3).consistent
        let newBelowEmpty = side.insert(level(5), at: 4)
        #expect(!changeEmpty && !deleteEmpty && !newBelowEmpty)
        #expect(prices(side) == [10, 5])  // kept contiguous
        let overlayFar = side.overlay(level(1), at: 5)
        #expect(!overlayFar)
    }

    @Test func pairsUseDBNEmptyLevels() {
        var book = LevelBook(depth: 10)
        book.bids.insert(PriceLevel(price: 2_600_000_000, size: 4, orders: 2), at: 1)
        let pair = book.pair(0)
        #expect(pair.bidPx == 2_600_000_000 && pair.bidSz == 4 && pair.bidCt == 2)
        #expect(pair.askPx == .max && pair.askSz == 0 && pair.askCt == 0)
        #expect(book.pairs[9] == .empty)
    }

    /// The operations index their storage unchecked (one `level <= depth` check each): random
    /// operations at any level, on every depth, must match a plain array model of the same rules,
    /// keep `count <= depth` and leave every level past `count` empty.
    @Test(arguments: [0, 1, 2, 5, 10])
    func randomOperationsMatchAnArrayModel(depth: Int) {
        var rng = SplitMix64(seed: UInt64(depth) &+ 8)
        var side = BookSide(depth: depth)
        var model: [PriceLevel] = []
        for step in 0..<20_000 {
            let at = Int.random(in: -1...12, using: &rng)
            let price = Bool.random(using: &rng) ? undefPrice : Int64.random(in: 1...1_000, using: &rng)
            let entry = PriceLevel(price: price, size: UInt32.random(in: 0...99, using: &rng), orders: 1)
            let expected: Bool, got: Bool
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:
                got = side.insert(entry, at: at)
                if at < 1 { expected = false } else if at > depth { expected = true } else {
                    expected = at - 1 <= model.count
                    model.insert(entry, at: min(at - 1, model.count))
                    if model.count > depth { model.removeLast() }
                }
            case 1:
                got = side.change(entry, at: at)
                if at < 1 { expected = false } else if at > depth { expected = true } else if at - 1 >= model.count { expected = false } else {
                    expected = true
                    if price != undefPrice { model[at - 1].price = price }
                    model[at - 1].size = entry.size
                    model[at - 1].orders = entry.orders
                }
            case 2:
                let result = side.delete(at: at)
                got = result.consistent
                if at < 1 { expected = false } else if at > depth { expected = true } else if at - 1 >= model.count { expected = false } else {
                    expected = true
                    #expect(result.removed == model.remove(at: at - 1), "step \(step)")
                }
            case 3:
                got = side.deleteFrom(level: at)
                if at < 1 { expected = false } else {
                    model.removeFirst(min(at, model.count))
                    expected = at <= depth
                }
            case 4:
                got = side.overlay(entry, at: at)
                if at < 1 { expected = false } else if at > depth { expected = true } else if at - 1 > model.count { expected = false } else {
                    expected = true
                    if at - 1 == model.count { model.append(entry) } else { model[at - 1] = entry }
                }
            default:
                if Int.random(in: 0..<50, using: &rng) == 0 { side.clear(); model.removeAll() }
                continue
            }
            #expect(got == expected, "step \(step)")
            #expect(side.array == model, "step \(step)")
            #expect(side.count <= depth && (side.count..<10).allSatisfy { side[$0] == .empty }, "step \(step)")
            if side.array != model { return }
        }
    }
}
