public import TickFormat

/// How iMpact maps to DBN (DESIGN.md, records per venue). Decisions where the specs leave room are
/// marked *decision*.
///
/// | iMpact | DBN |
/// |---|---|
/// | `E` new OrderID | `MboMsg` action `A` (add); the derived `Mbp10Msg`/`Mbp1Msg` action `A` |
/// | `E` known OrderID | `MboMsg` action `M` (modify: price, size, side replaced; a price change moves it to the back of its new level) |
/// | `F` | `MboMsg` action `C` (cancel) with the removed order's side, price and size |
/// | `G` | `TradeMsg` (side = aggressor: `1` → `B`, `2` → `A`, ` ` → `N`) and action `T` records in mbo/mbp-1/mbp-10, book unchanged |
/// | `T` `E` (bundle end) | `F_LAST` on each market's last record of the bundle; a message outside a bundle is its own event |
/// | `K` TradingStatus `1`/`O`/`2`/`C`/`E` | `StatusMsg` action pre_open / trading / pre_close / close / not_available_for_trading |
/// | `N`, `c` | `StatMsg` OPENING_PRICE / CLOSE_PRICE |
/// | `O` | `StatMsg` SETTLEMENT_PRICE, `ts_ref` = ValuationDateTime's date, stat_flags 1 when official (*decision*: DBN's `F_FINAL`-like bit 0) |
/// | `J` | `StatMsg` TRADING_SESSION_HIGH_PRICE, TRADING_SESSION_LOW_PRICE, VWAP, CLEARED_VOLUME (Volume; *decision*) for the values that changed |
/// | `M` | `StatMsg` OPEN_INTEREST, `ts_ref` = OpenInterestDate |
/// | reference data | `InstrumentDefMsg` (instrument_class `F`, min_price_increment = tick, unit_of_measure_qty = contract size) |
///
/// - `ts_event` (*decision*): RequestTradingEngineReceivedTimestamp (ns) for `E`, `F` and `G` — the
///   time of the matching-engine event, the same for every message of one bundle; when absent (an
///   older, shorter body) ModificationTimestamp, then the millisecond DateTime field. Statistics and
///   status: their MessageDateTime (ms → ns).
/// - `ts_in_delta` = `ts_recv` − SentDateTime; `sequence` = the message's sequence number.
/// - Prices: value × 10^(9 − DealPriceDenominator), exact integer arithmetic.
public enum ICEMapping {
    public static let publisherID: UInt16 = 1003
    public static let dataset = "CF.ICE.IMPACT"

    public static func statusAction(_ tradingStatus: UInt8) -> StatusAction {
        switch tradingStatus {
        case UInt8(ascii: "1"): .preOpen
        case UInt8(ascii: "O"): .trading
        case UInt8(ascii: "2"): .preClose
        case UInt8(ascii: "C"): .close
        case UInt8(ascii: "E"): .notAvailableForTrading
        default: .none
        }
    }

    public static func aggressor(_ side: UInt8) -> Side {
        switch side {
        case UInt8(ascii: "1"): .bid
        case UInt8(ascii: "2"): .ask
        default: .none
        }
    }

    /// Milliseconds since the epoch → ns (0 stays 0).
    @inlinable public static func ns(ms: Int64) -> UInt64 { ms > 0 ? UInt64(ms) &* 1_000_000 : 0 }

    /// `YYYYMMDD` → midnight UTC in ns (`undefTimestamp` for 0).
    public static func midnight(_ yyyymmdd: UInt32) -> UInt64 {
        guard yyyymmdd > 0 else { return undefTimestamp }
        let year = yyyymmdd / 10_000, month = yyyymmdd / 100 % 100, day = yyyymmdd % 100
        // A date off the wire may be anything: only real calendar dates from 1970 to 2200 map.
        guard (1970...2200).contains(year), (1...12).contains(month), (1...31).contains(day) else { return undefTimestamp }
        let days = Timestamps.daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day))
        return days >= 0 ? UInt64(days) * 86_400_000_000_000 : undefTimestamp
    }

    /// The definition record of a market.
    public static func definition(_ m: ICEReferenceData.Market, tsRecv: UInt64) -> InstrumentDefMsg {
        var def = InstrumentDefMsg(publisherID: publisherID, instrumentID: UInt32(bitPattern: m.marketID), tsEvent: tsRecv, tsRecv: tsRecv)
        def.rawSymbol = (try? CString(validating: m.symbol)) ?? CString()
        def.minPriceIncrement = FixedPoint.parse(m.tick) ?? undefPrice
        def.displayFactor = 1_000_000_000
        def.unitOfMeasureQty = m.contractSize &* 1_000_000_000
        def.currency = (try? CString(validating: m.currency)) ?? CString()
        def.settlCurrency = def.currency
        def.rawInstrumentID = UInt64(UInt32(bitPattern: m.marketID))
        def.instrumentClass = UInt8(ascii: "F")
        def.matchAlgorithm = UInt8(ascii: "F")
        def.securityUpdateAction = UInt8(ascii: "A")
        def.exchange = (try? CString(validating: "IFEU")) ?? CString()
        if let u = m.underlying { def.asset = (try? CString(validating: String(u.prefix(10)))) ?? CString() }
        if let e = m.expiration, let t = Timestamps.parse(e + "T00:00:00Z") { def.expiration = t }
        def.channelID = 0
        return def
    }
}
