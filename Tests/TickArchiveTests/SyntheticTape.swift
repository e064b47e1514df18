import TestSupport
import TickFormat

/// A seeded tape of realistic records for archive tests: definitions first, then trades, MBP-1,
/// MBP-10, status, statistics and notices for a few instruments, `ts_recv` never decreasing.
struct SyntheticTape {
    static let symbols = ["GH1F7", "GH1G7", "GH1H7", "GB2F7", "GB2G7"]
    static func id(_ i: Int) -> UInt32 { UInt32(910_000 + i) }

    var records: [[UInt8]] = []

    /// `count` records starting at `start`, `meanGap` ns apart on average.
    init(seed: UInt64, count: Int, start: UInt64 = 1_798_761_600_000_000_000, meanGap: UInt64 = 2_000_000) {
        var rng = SplitMix64(seed: seed)
        var ts = start
        var prices = Self.symbols.map { _ in Int64(2_500_000_000) }
        func append<R: DBNRecord>(_ r: R) { r.withBytes { records.append(Array($0)) } }
        for (i, symbol) in Self.symbols.enumerated() {
            var def = InstrumentDefMsg(publisherID: 1, instrumentID: Self.id(i), tsEvent: ts, tsRecv: ts)
            def.rawSymbol = try! CString(validating: symbol)
            append(def)
        }
        while records.count < count {
            ts += UInt64.random(in: 0...(2 * meanGap), using: &rng)
            let i = Int.random(in: 0..<Self.symbols.count, using: &rng)
            let id = Self.id(i)
            prices[i] += Int64.random(in: -2...2, using: &rng) * 10_000_000
            let price = prices[i]
            let tsEvent = ts - UInt64.random(in: 0...50_000, using: &rng)
            let size = UInt32.random(in: 1...20, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                append(TradeMsg(publisherID: 1, instrumentID: id, tsEvent: tsEvent, price: price, size: size,
                                side: Bool.random(using: &rng) ? .bid : .ask, flags: .last, tsRecv: ts))
            case 30..<70:
                let event = BookEvent(price: price, size: size, action: .modify, side: .bid, flags: .last, depth: 0, tsRecv: ts)
                append(Mbp1Msg(publisherID: 1, instrumentID: id, tsEvent: tsEvent, event: event,
                               level: BidAskPair(bidPx: price, askPx: price + 10_000_000, bidSz: size, askSz: size + 1, bidCt: 1, askCt: 2)))
            case 70..<90:
                let event = BookEvent(price: price, size: size, action: .add, side: .ask, flags: .last, depth: 1, tsRecv: ts)
                var levels = InlineArray<10, BidAskPair>(repeating: .empty)
                for l in 0..<5 { levels[l] = BidAskPair(bidPx: price - Int64(l) * 10_000_000, askPx: price + Int64(l + 1) * 10_000_000, bidSz: size, askSz: size, bidCt: 1, askCt: 1) }
                append(Mbp10Msg(publisherID: 1, instrumentID: id, tsEvent: tsEvent, event: event, levels: levels))
            case 90..<94:
                append(StatusMsg(publisherID: 1, instrumentID: id, tsEvent: tsEvent, tsRecv: ts, action: .trading, reason: .scheduled,
                                 isTrading: .yes, isQuoting: .yes))
            case 94..<98:
                let day = ts / 86_400_000_000_000 * 86_400_000_000_000
                append(StatMsg(publisherID: 1, instrumentID: id, tsEvent: tsEvent, tsRecv: ts, tsRef: day, price: price, statType: .settlementPrice))
            case 98:
                append(SystemMsg(publisherID: 1, instrumentID: 0, tsEvent: ts, msg: try! CString(validating: "gap feed=incremental from=10 to=11 lost=2")))
            default:
                let text = Bool.random(using: &rng) ? "stale instrument=\(id) symbol=\(Self.symbols[i]) reason=gap"
                                                     : "clean instrument=\(id) symbol=\(Self.symbols[i]) via=snapshot seq=1"
                append(SystemMsg(publisherID: 1, instrumentID: id, tsEvent: ts, msg: try! CString(validating: text)))
            }
        }
    }

    static func indexTimestamp(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { RecordView(unchecked: $0).indexTimestamp } }
    static func instrumentID(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { RecordView(unchecked: $0).instrumentID } }
}
