public import TickFormat

/// How MIRP maps to DBN (DESIGN.md, records per venue). *decision* marks choices where the specs
/// leave room.
///
/// | MIRP | DBN |
/// |---|---|
/// | 0x1001 add / modify / delete at level L | `Mbp10Msg` action `A` / `M` / `C`, depth L−1, levels 6–10 empty; `Mbp1Msg` when the top changes |
/// | 0x1002 trade summary with VolumeChange > 0 | `TradeMsg`: size = VolumeChange, price = last price, side `N`; action `T` records in mbp-1/mbp-10, book unchanged |
/// | 0x1011…0x1017 | `StatMsg` TRADING_SESSION_HIGH/LOW, OPENING, CLOSE, UPPER/LOWER_PRICE_LIMIT, SETTLEMENT; ts_ref = the trading day (settlement) |
/// | end of packet | `F_LAST` on each instrument's last record of the packet |
///
/// - `ts_event` = the packet's exchange time (SnapTime + SnapMillisec); `ts_in_delta` = ts_recv − ts_event;
///   `sequence` = PacketNo.
/// - `instrument_id` = InstrumentNo + 1,000,000 × TopicID (specs/instruments.md).
/// - Prices: CodecPrice + offset × PriceTick in exact 1e-9 fixed point, overflow-checked.
public enum SHFEMapping {
    public static let publisherID: UInt16 = 1001
    /// The topic of the AI token futures (specs/instruments.md).
    public static let defaultTopicID: Int16 = 1001
    public static let dataset = "CF.SHFE.MIRP"

    public static func instrumentID(topic: Int16, instrumentNo: Int32) -> UInt32 {
        UInt32(truncatingIfNeeded: Int64(instrumentNo) + 1_000_000 * Int64(topic))
    }

    public static func statType(field: Int16) -> StatType? {
        switch field {
        case 0x1011: .tradingSessionHighPrice
        case 0x1012: .tradingSessionLowPrice
        case 0x1013: .openingPrice
        case 0x1014: .closePrice
        case 0x1015: .upperPriceLimit
        case 0x1016: .lowerPriceLimit
        case 0x1017: .settlementPrice
        default: nil
        }
    }

    public static func definition(_ m: SHFEReferenceData.Instrument, topic: Int16, tsRecv: UInt64) -> InstrumentDefMsg {
        var def = InstrumentDefMsg(publisherID: publisherID, instrumentID: instrumentID(topic: topic, instrumentNo: m.instrumentNo),
                                   tsEvent: tsRecv, tsRecv: tsRecv)
        def.rawSymbol = (try? CString(validating: m.symbol)) ?? CString()
        def.minPriceIncrement = FixedPoint.parse(m.priceTick) ?? undefPrice
        def.displayFactor = 1_000_000_000
        def.unitOfMeasureQty = m.volumeMultiple &* 1_000_000_000
        def.currency = (try? CString(validating: m.currency)) ?? CString()
        def.settlCurrency = def.currency
        def.rawInstrumentID = UInt64(UInt32(bitPattern: m.instrumentNo))
        def.instrumentClass = UInt8(ascii: "F")
        def.securityUpdateAction = UInt8(ascii: "A")
        def.marketDepth = 5
        def.exchange = (try? CString(validating: "XSGE")) ?? CString()
        if let e = m.expiration, let t = Timestamps.parse(e + "T00:00:00Z") { def.expiration = t }
        return def
    }
}
