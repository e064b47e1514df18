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
/// quantity and order count per price. Found by binary search; the few dozen levels of a futures
/// book make an array the fastest structure.
public struct ICEPriceLadder: Sendable, Equatable {
    public let isBid: Bool
    public private(set) var levels: [PriceLevel] = []

    public init(isBid: Bool) {
        self.isBid = isBid
        levels.reserveCapacity(64)
    }

    /// Index of `price` or where it would go.
    @inlinable func search(_ price: Int64) -> (found: Bool, index: Int) {
        var lo = 0, hi = levels.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let p = levels[mid].price
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
            levels[i].size &+= UInt32(clamping: quantity)
            levels[i].orders &+= 1
        } else {
            levels.insert(PriceLevel(price: price, size: UInt32(clamping: quantity), orders: 1), at: i)
        }
        return i
    }

    /// Removes an order's quantity; returns the level's index before any removal of the level.
    @discardableResult
    public mutating func remove(price: Int64, quantity: Int32) -> Int {
        let (found, i) = search(price)
        guard found else { return i }
        if levels[i].orders <= 1 {
            levels.remove(at: i)
        } else {
            levels[i].size &-= min(levels[i].size, UInt32(clamping: quantity))
            levels[i].orders &-= 1
        }
        return i
    }

    public mutating func clear() { levels.removeAll(keepingCapacity: true) }

    @inlinable public func level(_ i: Int) -> PriceLevel { i < levels.count ? levels[i] : .empty }
}

/// Everything the handler keeps for one market: the orders, the derived levels, status and statistics.
public final class ICEMarket: @unchecked Sendable {
    public let marketID: Int32
    public let symbol: String
    /// 10^(9 − DealPriceDenominator).
    public let priceFactor: Int64
    public let settleFactor: Int64
    /// Index of the market (the record stager's slot is `slot + 1`).
    public let slot: Int
    public internal(set) var orders: [Int64: ICEBookOrder] = [:]
    public internal(set) var bids = ICEPriceLadder(isBid: true)
    public internal(set) var asks = ICEPriceLadder(isBid: false)
    public internal(set) var isStale = false
    public internal(set) var tradingStatus: UInt8 = 0
    var nextPriority: UInt64 = 0
    /// Live messages up to this sequence number are already in the book (from a snapshot).
    var skipThrough: UInt64 = 0
    // Statistics last published (wire units), so `J` emits only what changed.
    var volume: Int32 = -1
    var high: Int64 = .min
    var low: Int64 = .min
    var vwap: Int64 = .min

    init(marketID: Int32, symbol: String, priceFactor: Int64, settleFactor: Int64, slot: Int) {
        self.marketID = marketID
        self.symbol = symbol
        self.priceFactor = priceFactor
        self.settleFactor = settleFactor
        self.slot = slot
        orders.reserveCapacity(1024)
    }

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
        orders.values.filter { $0.isBid == isBid }.sorted {
            $0.price != $1.price ? (isBid ? $0.price > $1.price : $0.price < $1.price) : $0.priority < $1.priority
        }
    }

    func clearBook() {
        orders.removeAll(keepingCapacity: true)
        bids.clear()
        asks.clear()
        nextPriority = 0
    }

    /// Adds or overwrites an order (`E`, `D`); returns the previous version when it existed.
    @discardableResult
    func upsert(orderID: Int64, isBid: Bool, price: Int64, quantity: Int32, isImplied: Bool) -> ICEBookOrder? {
        let previous = orders[orderID]
        var priority: UInt64
        if let p = previous {
            if p.isBid { bids.remove(price: p.price, quantity: p.quantity) } else { asks.remove(price: p.price, quantity: p.quantity) }
            // Same side and price: the order keeps its place; otherwise it goes to the back of its new level.
            if p.isBid == isBid && p.price == price {
                priority = p.priority
            } else {
                priority = nextPriority
                nextPriority &+= 1
            }
        } else {
            priority = nextPriority
            nextPriority &+= 1
        }
        orders[orderID] = ICEBookOrder(orderID: orderID, isBid: isBid, price: price, quantity: quantity, isImplied: isImplied, priority: priority)
        if isBid { bids.add(price: price, quantity: quantity) } else { asks.add(price: price, quantity: quantity) }
        return previous
    }

    /// Removes an order (`F`); nil when unknown.
    func remove(orderID: Int64) -> ICEBookOrder? {
        guard let o = orders.removeValue(forKey: orderID) else { return nil }
        if o.isBid { bids.remove(price: o.price, quantity: o.quantity) } else { asks.remove(price: o.price, quantity: o.quantity) }
        return o
    }

    /// The level index of `price` on a side (10 or more: outside the MBP-10 view).
    func levelIndex(isBid: Bool, price: Int64) -> Int {
        (isBid ? bids : asks).search(price).index
    }
}
