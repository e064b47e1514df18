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
}
