/// The simulator's true order book of one instrument: orders by id, FIFO queues per price, prices
/// in ticks. Venues publish views of it (CME: MBP levels; ICE: every order).
public struct SimOrder: Sendable, Equatable {
    public var id: UInt64
    public var isBid: Bool
    public var price: Int64
    public var size: Int32
}

public struct SimFill: Sendable, Equatable {
    public var restingID: UInt64
    public var price: Int64
    public var size: Int32
}

public struct OrderBookModel: Sendable {
    /// Price → orders in time priority.
    private(set) var bidQueues: [Int64: [SimOrder]] = [:]
    private(set) var askQueues: [Int64: [SimOrder]] = [:]
    /// Sorted best first.
    public private(set) var bidPrices: [Int64] = []
    public private(set) var askPrices: [Int64] = []
    private var index: [UInt64: (isBid: Bool, price: Int64)] = [:]

    public init() {}

    public var orderCount: Int { index.count }
    public var bestBid: Int64? { bidPrices.first }
    public var bestAsk: Int64? { askPrices.first }
    public func order(_ id: UInt64) -> SimOrder? {
        guard let (isBid, price) = index[id] else { return nil }
        return (isBid ? bidQueues : askQueues)[price]?.first { $0.id == id }
    }
    public var allOrderIDs: [UInt64] { Array(index.keys).sorted() }

    public mutating func add(_ order: SimOrder) {
        index[order.id] = (order.isBid, order.price)
        if order.isBid {
            if bidQueues[order.price] == nil {
                let i = bidPrices.firstIndex { $0 < order.price } ?? bidPrices.count
                bidPrices.insert(order.price, at: i)
            }
            bidQueues[order.price, default: []].append(order)
        } else {
            if askQueues[order.price] == nil {
                let i = askPrices.firstIndex { $0 > order.price } ?? askPrices.count
                askPrices.insert(order.price, at: i)
            }
            askQueues[order.price, default: []].append(order)
        }
    }

    @discardableResult
    public mutating func cancel(_ id: UInt64) -> SimOrder? {
        guard let (isBid, price) = index.removeValue(forKey: id) else { return nil }
        var queue = (isBid ? bidQueues : askQueues)[price] ?? []
        guard let i = queue.firstIndex(where: { $0.id == id }) else { return nil }
        let removed = queue.remove(at: i)
        setQueue(isBid: isBid, price: price, queue)
        return removed
    }

    /// Reduces an order's size in place (keeps priority).
    public mutating func reduce(_ id: UInt64, to size: Int32) {
        guard let (isBid, price) = index[id], var queue = (isBid ? bidQueues : askQueues)[price],
              let i = queue.firstIndex(where: { $0.id == id }) else { return }
        queue[i].size = size
        setQueue(isBid: isBid, price: price, queue)
    }

    /// An aggressive order: fills resting orders of the other side FIFO, best price first, while
    /// the price is acceptable. Returns the fills and the unfilled remainder.
    public mutating func aggress(isBuy: Bool, limit: Int64, size: Int32) -> (fills: [SimFill], remainder: Int32) {
        var remaining = size
        var fills: [SimFill] = []
        while remaining > 0, let best = isBuy ? askPrices.first : bidPrices.first,
              isBuy ? best <= limit : best >= limit {
            var queue = (isBuy ? askQueues : bidQueues)[best]!
            while remaining > 0, !queue.isEmpty {
                let take = min(remaining, queue[0].size)
                fills.append(SimFill(restingID: queue[0].id, price: best, size: take))
                remaining -= take
                queue[0].size -= take
                if queue[0].size == 0 { index[queue.removeFirst().id] = nil }
            }
            setQueue(isBid: !isBuy, price: best, queue)
        }
        return (fills, remaining)
    }

    /// The top `depth` aggregated levels of a side: (price in ticks, size, order count).
    public func levels(isBid: Bool, depth: Int) -> [(price: Int64, size: Int32, orders: Int32)] {
        let prices = isBid ? bidPrices : askPrices
        let queues = isBid ? bidQueues : askQueues
        return prices.prefix(depth).map { p in
            let q = queues[p]!
            return (p, q.reduce(0) { $0 + $1.size }, Int32(q.count))
        }
    }

    /// Orders of one side, best price first, in time priority within a price.
    public func orders(isBid: Bool) -> [SimOrder] {
        (isBid ? bidPrices : askPrices).flatMap { (isBid ? bidQueues : askQueues)[$0]! }
    }

    private mutating func setQueue(isBid: Bool, price: Int64, _ queue: [SimOrder]) {
        if queue.isEmpty {
            if isBid {
                bidQueues[price] = nil
                bidPrices.removeAll { $0 == price }
            } else {
                askQueues[price] = nil
                askPrices.removeAll { $0 == price }
            }
        } else if isBid {
            bidQueues[price] = queue
        } else {
            askQueues[price] = queue
        }
    }
}
