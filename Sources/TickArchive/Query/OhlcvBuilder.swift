public import TickFormat

/// OHLCV bars from trades (Databento's convention, `specs/dbn-v3.md` §6.6): bucketed by
/// `ts_event`, `ts_event` of a bar = the inclusive start of its interval, open/close = the first
/// and last trade of the bucket in stream order, volume = the sum of sizes; no bar for an interval
/// without trades. Bars come out ordered by interval start, then instrument id.
public struct OhlcvBuilder {
    public let interval: UInt64
    public let rtype: RType
    private struct Key: Hashable { var start: UInt64; var instrumentID: UInt32 }
    private var bars: [Key: OhlcvMsg] = [:]

    public init(interval: UInt64, rtype: RType) {
        self.interval = interval
        self.rtype = rtype
    }

    public mutating func add(_ trade: TradeMsg) {
        guard trade.price != undefPrice else { return }
        let ts = trade.header.tsEvent
        let key = Key(start: ts - ts % interval, instrumentID: trade.header.instrumentID)
        if var bar = bars[key] {
            bar.high = max(bar.high, trade.price)
            bar.low = min(bar.low, trade.price)
            bar.close = trade.price
            bar.volume += UInt64(trade.size)
            bars[key] = bar
        } else {
            bars[key] = OhlcvMsg(rtype: rtype, publisherID: trade.header.publisherID, instrumentID: key.instrumentID,
                                 tsEvent: key.start, open: trade.price, high: trade.price, low: trade.price,
                                 close: trade.price, volume: UInt64(trade.size))
        }
    }

    public func finish() -> [OhlcvMsg] {
        bars.sorted { ($0.key.start, $0.key.instrumentID) < ($1.key.start, $1.key.instrumentID) }.map(\.value)
    }
}
