public import FeedEngine
public import TickFormat

/// One resting order of a full-order-depth book (prices already in DBN's 1e-9 units).
public struct ICEBookOrder: Sendable, Equatable {
    public var orderID: Int64
    public var isBid: Bool
    public var price: Int64
    public var quantity: Int32
    public var isImplied: Bool
    /// Time priority: orders at one price keep the order in which they were added.
    public var priority: UInt64

    public init(orderID: Int64, isBid: Bool, price: Int64, quantity: Int32, isImplied: Bool, priority: UInt64) {
        self.orderID = orderID
        self.isBid = isBid
        self.price = price
        self.quantity = quantity
        self.isImplied = isImplied
        self.priority = priority
    }
}

/// The aggregated levels of one side, best first (bids descending, offers ascending): total
/// quantity and order count per price, found by binary search. A trivial struct over a buffer
/// its owner frees (`release()`): no copy-on-write or reference counting per update. A futures
/// book has a few dozen levels, so shifting on insert is cheaper than any tree.
public struct ICEPriceLadder: @unchecked Sendable {
    public let isBid: Bool
    @usableFromInline var base: UnsafeMutablePointer<PriceLevel>
    @usableFromInline var capacity: Int
    public private(set) var count = 0

    public init(isBid: Bool) {
        self.isBid = isBid
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    /// Frees the buffer (the owner's deinit).
    func release() { base.deallocate() }

    public var levels: [PriceLevel] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Index of `price` or where it would go.
    @inlinable func search(_ price: Int64) -> (found: Bool, index: Int) {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let p = base[mid].price
            if p == price { return (true, mid) }
            if isBid ? p > price : p < price { lo = mid &+ 1 } else { hi = mid }
        }
        return (false, lo)
    }

    /// Adds an order's quantity; returns the level's index.
    @discardableResult
    public mutating func add(price: Int64, quantity: Int32) -> Int {
        let (found, i) = search(price)
        if found {
            base[i].size &+= UInt32(clamping: quantity)
            base[i].orders &+= 1
            return i
        }
        if count == capacity {
            let bigger = UnsafeMutablePointer<PriceLevel>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + i + 1).moveInitialize(from: base + i, count: count - i)
        (base + i).initialize(to: PriceLevel(price: price, size: UInt32(clamping: quantity), orders: 1))
        count += 1
        return i
    }

    /// Changes one order's quantity at `price` (the order stays); returns the level's index.
    @discardableResult
    public mutating func resize(price: Int64, from old: Int32, to new: Int32) -> Int {
        let (found, i) = search(price)
        guard found else { return add(price: price, quantity: new) }
        base[i].size = base[i].size &- min(base[i].size, UInt32(clamping: old)) &+ UInt32(clamping: new)
        return i
    }

    /// Removes an order's quantity; returns the level's index before any removal of the level.
    @discardableResult
    public mutating func remove(price: Int64, quantity: Int32) -> Int {
        let (found, i) = search(price)
        guard found else { return i }
        if base[i].orders <= 1 {
            (base + i).moveInitialize(from: base + i + 1, count: count - i - 1)
            count -= 1
        } else {
            base[i].size &-= min(base[i].size, UInt32(clamping: quantity))
            base[i].orders &-= 1
        }
        return i
    }

    public mutating func clear() { count = 0 }

    @inlinable public func level(_ i: Int) -> PriceLevel { i < count ? base[i] : .empty }
}

/// Orders by OrderID: open addressing with linear probing and backward-shift deletion, the orders
/// stored inline — no SipHash, no allocation or reference counting per order event. A trivial
/// struct over buffers its owner frees (`release()`).
struct OrderTable {
    private var keys: UnsafeMutablePointer<Int64>
    private var values: UnsafeMutablePointer<ICEBookOrder>
    private var used: UnsafeMutablePointer<Bool>
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        mask = c - 1
        keys = .allocate(capacity: c)
        values = .allocate(capacity: c)
        used = .allocate(capacity: c)
        used.initialize(repeating: false, count: c)
    }

    func release() {
        keys.deallocate()
        values.deallocate()
        used.deallocate()
    }

    @inline(__always) private func home(_ key: Int64) -> Int {
        var z = UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 29
        return Int(truncatingIfNeeded: z) & mask
    }

    @inline(__always) private func find(_ key: Int64) -> (found: Bool, slot: Int) {
        var i = home(key)
        while used[i] {
            if keys[i] == key { return (true, i) }
            i = (i &+ 1) & mask
        }
        return (false, i)
    }

    subscript(key: Int64) -> ICEBookOrder? {
        let (found, i) = find(key)
        return found ? values[i] : nil
    }

    /// The value slot of `key`, inserted (uninitialized contents) when absent: one probe for an
    /// add-or-overwrite. Write the slot before the next call.
    @inline(__always)
    mutating func slot(for key: Int64) -> (value: UnsafeMutablePointer<ICEBookOrder>, existed: Bool) {
        if (count + 1) * 2 > mask { grow() }
        let (found, i) = find(key)
        if !found {
            keys[i] = key
            used[i] = true
            count += 1
        }
        return (values + i, found)
    }

    /// Inserts or replaces; returns the previous value.
    @discardableResult
    mutating func update(_ value: ICEBookOrder, forKey key: Int64) -> ICEBookOrder? {
        let (found, i) = find(key)
        if found {
            let old = values[i]
            values[i] = value
            return old
        }
        keys[i] = key
        (values + i).initialize(to: value)
        used[i] = true
        count += 1
        if count * 2 > mask { grow() }
        return nil
    }

    mutating func remove(_ key: Int64) -> ICEBookOrder? {
        let (found, start) = find(key)
        guard found else { return nil }
        let removed = values[start]
        used[start] = false
        count -= 1
        // Backward-shift: move later entries of the probe run into the hole.
        var hole = start
        var i = (start &+ 1) & mask
        while used[i] {
            let h = home(keys[i])
            // Move entry i into the hole when its home is not in (hole, i] (cyclically).
            let inRange = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i)
            if !inRange {
                keys[hole] = keys[i]
                values[hole] = values[i]
                used[hole] = true
                used[i] = false
                hole = i
            }
            i = (i &+ 1) & mask
        }
        return removed
    }

    mutating func removeAll() {
        used.update(repeating: false, count: mask + 1)
        count = 0
    }

    var allValues: [ICEBookOrder] { (0...mask).filter { used[$0] }.map { values[$0] } }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldUsed = used, oldSize = mask + 1
        let size = oldSize * 2
        mask = size - 1
        keys = .allocate(capacity: size)
        values = .allocate(capacity: size)
        used = .allocate(capacity: size)
        used.initialize(repeating: false, count: size)
        count = 0
        for i in 0..<oldSize where oldUsed[i] { update(oldValues[i], forKey: oldKeys[i]) }
        oldKeys.deallocate()
        oldValues.deallocate()
        oldUsed.deallocate()
    }
}

/// Everything the handler keeps for one market: the orders, the derived levels, status and statistics.
/// Only its handler's one thread changes it, so its mutable properties opt out of dynamic
/// exclusivity checking (`@exclusivity(unchecked)`): checked, every access is a runtime call.
public final class ICEMarket: @unchecked Sendable {
    public let marketID: Int32
    public let symbol: String
    /// 10^(9 − DealPriceDenominator).
    public let priceFactor: Int64
    public let settleFactor: Int64
    /// Index of the market (the record stager's slot is `slot + 1`).
    public let slot: Int
    @exclusivity(unchecked) var table = OrderTable()
    @exclusivity(unchecked) public private(set) var bids = ICEPriceLadder(isBid: true)
    @exclusivity(unchecked) public private(set) var asks = ICEPriceLadder(isBid: false)
    @exclusivity(unchecked) public internal(set) var isStale = false
    @exclusivity(unchecked) public internal(set) var tradingStatus: UInt8 = 0
    /// When the status was last set: the status message's time (undefined when it came from a
    /// snapshot), and its ts_recv.
    @exclusivity(unchecked) public internal(set) var statusTsEvent: UInt64 = undefTimestamp
    @exclusivity(unchecked) public internal(set) var statusTsRecv: UInt64 = undefTimestamp
    @exclusivity(unchecked) var nextPriority: UInt64 = 0
    /// Live messages up to this sequence number are already in the book (from a snapshot).
    @exclusivity(unchecked) var skipThrough: UInt64 = 0
    // Statistics last published (wire units), so `J` emits only what changed (checked, their
    // accesses cost about 24 M instructions per ICE benchmark run).
    @exclusivity(unchecked) var volume: Int32 = -1
    @exclusivity(unchecked) var high: Int64 = .min
    @exclusivity(unchecked) var low: Int64 = .min
    @exclusivity(unchecked) var vwap: Int64 = .min

    init(marketID: Int32, symbol: String, priceFactor: Int64, settleFactor: Int64, slot: Int) {
        self.marketID = marketID
        self.symbol = symbol
        self.priceFactor = priceFactor
        self.settleFactor = settleFactor
        self.slot = slot
    }

    deinit {
        table.release()
        bids.release()
        asks.release()
    }

    /// The resting orders by OrderID (a copy; tests and tools).
    public var orders: [Int64: ICEBookOrder] { Dictionary(uniqueKeysWithValues: table.allValues.map { ($0.orderID, $0) }) }

    public var orderCount: Int { table.count }

    public var instrumentID: UInt32 { UInt32(bitPattern: marketID) }

    /// Top `depth` levels of both sides as DBN pairs.
    public var pairs: InlineArray<10, BidAskPair> {
        var out = InlineArray<10, BidAskPair>(repeating: .empty)
        for i in 0..<10 { out[i] = pair(i) }
        return out
    }

    @inlinable public func pair(_ i: Int) -> BidAskPair {
        let b = bids.level(i), a = asks.level(i)
        return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: b.orders, askCt: a.orders)
    }

    /// The orders of a side, best price first, then time priority (tests, truth comparison, snapshots).
    public func sortedOrders(isBid: Bool) -> [ICEBookOrder] {
        table.allValues.filter { $0.isBid == isBid }.sorted {
            $0.price != $1.price ? (isBid ? $0.price > $1.price : $0.price < $1.price) : $0.priority < $1.priority
        }
    }

    func clearBook() {
        table.removeAll()
        bids.clear()
        asks.clear()
        nextPriority = 0
    }

    /// Adds or overwrites an order (`E`, `D`). Returns the previous version when it existed, the
    /// level index of the order now, and the level index the previous version had.
    @discardableResult
    func upsert(orderID: Int64, isBid: Bool, price: Int64, quantity: Int32, isImplied: Bool)
        -> (previous: ICEBookOrder?, index: Int, previousIndex: Int) {
        let (slot, existed) = table.slot(for: orderID)
        if existed {
            let p = slot.pointee
            if p.isBid == isBid && p.price == price {
                // Same side and price: the order keeps its place; only the level's size changes.
                slot.pointee.quantity = quantity
                slot.pointee.isImplied = isImplied
                let i = isBid ? bids.resize(price: price, from: p.quantity, to: quantity) : asks.resize(price: price, from: p.quantity, to: quantity)
                return (p, i, i)
            }
            // Elsewhere: it goes to the back of its new level.
            let before = p.isBid ? bids.remove(price: p.price, quantity: p.quantity) : asks.remove(price: p.price, quantity: p.quantity)
            slot.pointee = ICEBookOrder(orderID: orderID, isBid: isBid, price: price, quantity: quantity, isImplied: isImplied, priority: nextPriority)
            nextPriority &+= 1
            let after = isBid ? bids.add(price: price, quantity: quantity) : asks.add(price: price, quantity: quantity)
            return (p, after, before)
        }
        slot.initialize(to: ICEBookOrder(orderID: orderID, isBid: isBid, price: price, quantity: quantity, isImplied: isImplied, priority: nextPriority))
        nextPriority &+= 1
        let after = isBid ? bids.add(price: price, quantity: quantity) : asks.add(price: price, quantity: quantity)
        return (nil, after, after)
    }

    /// Removes an order (`F`): the order and the level index it had; nil when unknown.
    func remove(orderID: Int64) -> (order: ICEBookOrder, index: Int)? {
        guard let o = table.remove(orderID) else { return nil }
        let i = o.isBid ? bids.remove(price: o.price, quantity: o.quantity) : asks.remove(price: o.price, quantity: o.quantity)
        return (o, i)
    }

    /// The level index of `price` on a side (10 or more: outside the MBP-10 view).
    @inline(__always) func levelIndex(isBid: Bool, price: Int64) -> Int {
        isBid ? bids.search(price).index : asks.search(price).index
    }
}
