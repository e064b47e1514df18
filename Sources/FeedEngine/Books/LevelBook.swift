public import TickFormat

/// One price level: price (1e-9), total size, order count.
public struct PriceLevel: Equatable, Sendable, BitwiseCopyable {
    public var price: Int64
    public var size: UInt32
    public var orders: UInt32

    @inlinable public init(price: Int64, size: UInt32, orders: UInt32) {
        self.price = price
        self.size = size
        self.orders = orders
    }
    @inlinable public static var empty: PriceLevel { PriceLevel(price: undefPrice, size: 0, orders: 0) }
}

/// One side of a book addressed by position (level 1 = best), with a fixed depth of at most 10:
/// the model of CME's MBP book (MDP 3.0 §8.1), SHFE's 5-level book and ICE's price-level book.
///
/// Levels are kept contiguous from the top: `count` levels are set, the rest are empty. Every
/// operation returns whether the message was consistent with the book; an inconsistent one
/// (a change of an empty level, a new level below the first empty one) is still applied as well as
/// it can be, and the caller marks the instrument stale.
public struct BookSide: Equatable, Sendable {
    @usableFromInline var levels: InlineArray<10, PriceLevel>
    /// Levels set, from the top.
    @usableFromInline var _count: Int
    public var count: Int { _count }
    public let depth: Int

    public init(depth: Int) {
        precondition(depth >= 0 && depth <= 10, "book depth must be 0...10")
        self.depth = depth
        levels = .init(repeating: .empty)
        _count = 0
    }

    /// Level at 0-based index `i` (empty past `count`).
    /// Reads through a borrowed span: subscripting the InlineArray directly copies all ten levels.
    @inlinable public subscript(i: Int) -> PriceLevel { levels.span[i] }
    @inlinable public var best: PriceLevel { levels.span[0] }

    /// Level `i` of the side at `side`, read in place (an InlineArray keeps its elements
    /// contiguous from its start), without copying the side.
    @inlinable public static func level(_ side: UnsafePointer<BookSide>, _ i: Int) -> PriceLevel {
        UnsafeRawPointer(side.pointer(to: \.levels)!).assumingMemoryBound(to: PriceLevel.self)[i]
    }

    /// The best level of the side at `side` as its 16 bytes (price, size, orders: no padding), for
    /// a cheap "did the top change" test: two words kept across an update, not three fields.
    @inlinable @inline(__always)
    public static func topBits(_ side: UnsafePointer<BookSide>) -> (UInt64, UInt64) {
        let top = UnsafeRawPointer(side.pointer(to: \.levels)!)
        return (top.load(as: UInt64.self), top.load(fromByteOffset: 8, as: UInt64.self))
    }

    /// The levels' storage, for the hot operations below. They index it unchecked: each checks
    /// `1 <= level <= depth` once, `depth <= 10` (init) and `count <= depth` always hold (every
    /// operation keeps it), so every index they form is in `0..<depth`.
    @inlinable @inline(__always)
    mutating func withLevels<R>(_ body: (UnsafeMutablePointer<PriceLevel>) -> R) -> R {
        withUnsafeMutablePointer(to: &levels) { body(UnsafeMutableRawPointer($0).assumingMemoryBound(to: PriceLevel.self)) }
    }

    /// New at 1-based `level`: levels at and below move down, the last falls off.
    /// (New, Change and Delete are most book messages: always inlined into the venues' book code.)
    @inlinable @inline(__always)
    @discardableResult
    public mutating func insert(_ entry: PriceLevel, at level: Int) -> Bool {
        guard level >= 1, level <= depth else { return level >= 1 }  // beyond our depth: ignored
        var k = level - 1
        let consistent = k <= count
        if k > count { k = count }
        let last = min(count, depth - 1)
        withLevels { levels in
            var i = last
            while i > k {
                levels[i] = levels[i - 1]
                i -= 1
            }
            levels[k] = entry
        }
        if count < depth { _count += 1 }
        return consistent
    }

    /// Change at 1-based `level`: size and count (and price, when given) replace the level's.
    @inlinable @inline(__always)
    @discardableResult
    public mutating func change(_ entry: PriceLevel, at level: Int) -> Bool {
        changeReportingTop(entry, at: level).consistent
    }

    /// `change`, also telling whether the best level changed. Only a change of level 1 can change
    /// it, and that is decided at the write: no copy of the old best is kept across the update.
    @inlinable @inline(__always)
    public mutating func changeReportingTop(_ entry: PriceLevel, at level: Int) -> (consistent: Bool, topChanged: Bool) {
        guard level >= 1, level <= depth else { return (level >= 1, false) }
        let k = level - 1
        guard k < count else { return (false, false) }
        return withLevels { levels in
            let new = PriceLevel(price: entry.price != undefPrice ? entry.price : levels[k].price, size: entry.size,
                                 orders: entry.orders)
            guard k == 0 else {
                levels[k] = new
                return (true, false)
            }
            let changed = new != levels[0]
            levels[0] = new
            return (true, changed)
        }
    }

    /// Delete at 1-based `level`: the levels below move up; the removed level is returned.
    @inlinable @inline(__always)
    @discardableResult
    public mutating func delete(at level: Int) -> (consistent: Bool, removed: PriceLevel) {
        guard level >= 1, level <= depth else { return (level >= 1, .empty) }
        let k = level - 1
        guard k < count else { return (false, .empty) }
        let end = count - 1
        let removed = withLevels { levels in
            let removed = levels[k]
            var i = k
            while i < end {
                levels[i] = levels[i + 1]
                i += 1
            }
            levels[end] = .empty
            return removed
        }
        _count = end
        return (true, removed)
    }

    /// Removes levels 1 through `level` (DeleteFrom): the rest move up by `level`.
    @discardableResult
    public mutating func deleteFrom(level: Int) -> Bool {
        guard level >= 1 else { return false }
        let n = min(level, count)
        for i in 0..<count {
            levels[i] = i + n < count ? levels[i + n] : .empty
        }
        _count -= n
        return level <= depth
    }

    /// Replaces 1-based `level` entirely, without shifting (Overlay).
    @discardableResult
    public mutating func overlay(_ entry: PriceLevel, at level: Int) -> Bool {
        guard level >= 1, level <= depth else { return level >= 1 }
        let k = level - 1
        guard k <= count else { return false }
        levels[k] = entry
        if k == count { _count += 1 }
        return true
    }

    /// Sets 1-based `level` from a snapshot (levels arrive in any order; gaps stay empty until filled).
    public mutating func set(_ entry: PriceLevel, at level: Int) {
        guard level >= 1, level <= depth else { return }
        levels[level - 1] = entry
        _count = max(_count, level)
    }

    public mutating func clear() {
        levels = .init(repeating: .empty)
        _count = 0
    }

    /// The levels as an array (tests, truth comparison).
    public var array: [PriceLevel] { (0..<count).map { levels[$0] } }

    public static func == (a: BookSide, b: BookSide) -> Bool { a.depth == b.depth && a.array == b.array }
}

/// An outright book: bids and offers.
public struct LevelBook: Equatable, Sendable {
    public var bids: BookSide
    public var asks: BookSide

    public init(depth: Int) {
        bids = BookSide(depth: depth)
        asks = BookSide(depth: depth)
    }

    public var depth: Int { bids.depth }

    public mutating func clear() {
        bids.clear()
        asks.clear()
    }

    /// Level `i` as a DBN `BidAskPair` (empty sides: UNDEF_PRICE, 0, 0).
    @inlinable public func pair(_ i: Int) -> BidAskPair {
        let b = bids[i], a = asks[i]
        return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: b.orders, askCt: a.orders)
    }

    /// Level `i` of the book at `book`, read in place. Calling `pair(_:)` on a book stored in a
    /// class or through a pointer first copies the whole book (352 bytes); this reads 32.
    @inlinable public static func pair(_ book: UnsafePointer<LevelBook>, _ i: Int) -> BidAskPair {
        let b = BookSide.level(book.pointer(to: \.bids)!, i), a = BookSide.level(book.pointer(to: \.asks)!, i)
        return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: b.orders, askCt: a.orders)
    }

    /// The ten DBN levels.
    @inlinable public var pairs: InlineArray<10, BidAskPair> {
        var out = InlineArray<10, BidAskPair>(repeating: .empty)
        for i in 0..<depth { out[i] = pair(i) }
        return out
    }
}
