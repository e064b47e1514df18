public import TickFormat
import FeedEngine

/// How MDP 3.0 maps to DBN v3. Every venue field or enum the handler reads appears here.
///
/// **Book (template 46) → MBP-1 / MBP-10**
///
/// | MDP 3.0 | DBN |
/// |---|---|
/// | MDUpdateAction 0 New | action `A` |
/// | 1 Change, 5 Overlay | action `M` |
/// | 2 Delete, 3 DeleteThru, 4 DeleteFrom | action `C` (price/size of the removed level; a side clear has UNDEF_PRICE, 0) |
/// | MDEntryType `0` Bid / `1` Offer | side `B` / `A` |
/// | MDEntryType `J` BookReset | action `R` (the instrument's book is cleared) |
/// | MDEntryType `E`/`F` (implied) | no record: the implied book is kept and exposed through the API only |
/// | MDPriceLevel (1-based) | depth (0-based) |
/// | TransactTime | ts_event |
/// | MsgSeqNum (packet) | sequence |
/// | ts_recv − SendingTime | ts_in_delta |
///
/// **Trade summary (48) → trades, and `T` records in MBP-1/MBP-10**: MDEntryPx → price, MDEntrySize
/// → size, AggressorSide 1 → `B`, 2 → `A`, 0/null → `N`.
///
/// **Statistics → StatMsg**
///
/// | MDP 3.0 | stat_type | fields |
/// |---|---|---|
/// | 49 `6` SettlementPrice | 3 SETTLEMENT_PRICE | price; ts_ref = TradingReferenceDate at 00:00 UTC; stat_flags bit 0 = SettlPriceType FinalDaily |
/// | 49 `B` ClearedVolume | 6 CLEARED_VOLUME | quantity; ts_ref |
/// | 49 `C` OpenInterest | 9 OPEN_INTEREST | quantity; ts_ref |
/// | 49 `W` FixingPrice | 10 FIXING_PRICE | price |
/// | 51 `4` OpenPrice, flag 0 | 1 OPENING_PRICE | price |
/// | 51 `4` OpenPrice, flag 5 | 2 INDICATIVE_OPENING_PRICE | price, quantity |
/// | 51 `7` / `8` | 5 TRADING_SESSION_HIGH_PRICE / 4 ..._LOW_PRICE | price |
/// | 51 `9` VWAP | 13 VWAP | price |
/// | 51 `N` / `O` | 8 HIGHEST_BID / 7 LOWEST_OFFER | price |
/// | 37 electronic volume | 10001 VENUE_SPECIFIC_VOLUME_1 | quantity (cumulative session volume) |
///
/// MDUpdateAction 2 Delete on a statistic → update_action 2 (Delete); anything else 1 (New).
///
/// **Security status (30) → StatusMsg**: see `statusAction(_:)`, `statusReason(_:)`, `tradingEvent(_:)`.
/// A status with a null SecurityID applies to every instrument of its SecurityGroup (or Asset).
///
/// **Definition (54) → InstrumentDefMsg**: see `definition(_:...)`.
public enum CMEMapping {
    public static let publisherID: UInt16 = 1002
    public static let dataset = "CF.CME.MDP3"
    /// VENUE_SPECIFIC_VOLUME_1, for CME's cumulative electronic volume (37).
    public static let electronicVolumeStat = StatType(rawValue: 10001)

    @inlinable public static func side(entryType: UInt8) -> Side {
        entryType == MDEntryType.offer || entryType == MDEntryType.impliedOffer ? .ask : .bid
    }

    @inlinable public static func aggressor(_ side: UInt8) -> Side {
        switch side {
        case AggressorSide.buy: .bid
        case AggressorSide.sell: .ask
        default: .none
        }
    }

    @inlinable public static func action(_ update: UInt8) -> Action {
        switch update {
        case MDUpdateAction.new.rawValue: .add
        case MDUpdateAction.change.rawValue, MDUpdateAction.overlay.rawValue: .modify
        default: .cancel
        }
    }

    /// SecurityTradingStatus → (action, is_trading, is_quoting), per dbn-v3.md §8.1's futures mapping.
    public static func statusAction(_ status: UInt8) -> (StatusAction, TriState, TriState) {
        switch status {
        case SecurityTradingStatus.preOpen: (.preOpen, .no, .yes)
        case SecurityTradingStatus.readyToTrade: (.trading, .yes, .yes)
        case SecurityTradingStatus.tradingHalt: (.halt, .no, .no)
        case SecurityTradingStatus.close: (.close, .no, .no)
        case SecurityTradingStatus.postClose: (.postClose, .no, .no)
        case SecurityTradingStatus.preCross: (.preCross, .no, .yes)
        case SecurityTradingStatus.cross: (.cross, .no, .no)
        case SecurityTradingStatus.newPriceIndication: (StatusAction(rawValue: 6), .no, .yes)
        case SecurityTradingStatus.notAvailableForTrading: (.notAvailableForTrading, .no, .no)
        default: (.none, .notAvailable, .notAvailable)  // 20 UnknownOrInvalid, 103 NoChange, null
        }
    }

    /// HaltReason → StatusReason.
    public static func statusReason(_ halt: UInt8) -> StatusReason {
        switch halt {
        case 0, 7: .scheduled               // GroupSchedule, TradeDateRoll
        case 1: .surveillanceIntervention
        case 2: .marketEvent
        case 3: .instrumentActivation
        case 4: .instrumentExpiration
        case 6: .recoveryInProcess
        default: .none                     // 5 Unknown
        }
    }

    /// SecurityTradingEvent → TradingEvent.
    public static func tradingEvent(_ event: UInt8) -> TradingEvent {
        switch event {
        case SecurityTradingEvent.noCancel: .noCancel
        case SecurityTradingEvent.resetStatistics: .changeTradingSession
        case SecurityTradingEvent.impliedMatchingOn: .impliedMatchingOn
        case SecurityTradingEvent.impliedMatchingOff: .impliedMatchingOff
        default: .none
        }
    }

    /// LocalMktDate (days since 1970-01-01) → midnight UTC in ns; UNDEF for null.
    @inlinable public static func dateNs(_ days: UInt16) -> UInt64 {
        days == MDP3.nullDate ? undefTimestamp : UInt64(days) * 86_400_000_000_000
    }

    /// The DBN definition of a template-54 message.
    ///
    /// | DBN | MDP 3.0 |
    /// |---|---|
    /// | ts_event | LastUpdateTime |
    /// | raw_symbol, group, asset, exchange, cfi, security_type | Symbol, SecurityGroup, Asset, SecurityExchange, CFICode, SecurityType |
    /// | raw_instrument_id, instrument_id | SecurityID |
    /// | min_price_increment, display_factor, unit_of_measure(_qty), min_price_increment_amount | same names |
    /// | high/low_limit_price, max_price_variation | same names |
    /// | expiration / activation | EventTime of EventType 7 / 5 |
    /// | market_depth / market_depth_implied | MarketDepth of MDFeedType GBX / GBI |
    /// | inst_attrib_value | the first InstAttribValue |
    /// | min_lot_size | MinLotSize of the first lot rule (DecimalQty, ÷ 10⁴) |
    /// | appl_id, market_segment_id, maturity_*, currency, settl_currency, match_algorithm, … | same names |
    /// | instrument_class | `F` (the subset's definitions are futures, template 54) |
    public static func definition(_ d: Definition54, tsRecv: UInt64) -> InstrumentDefMsg {
        var def = InstrumentDefMsg(publisherID: publisherID, instrumentID: UInt32(bitPattern: d.securityID),
                                   tsEvent: d.lastUpdateTime, tsRecv: tsRecv)
        def.minPriceIncrement = d.minPriceIncrement
        def.displayFactor = d.displayFactor
        if let e = d.events.first(where: { $0.eventType == Definition54.eventLastEligibleTradeDate }) { def.expiration = e.eventTime }
        if let e = d.events.first(where: { $0.eventType == Definition54.eventActivation }) { def.activation = e.eventTime }
        def.highLimitPrice = d.highLimitPrice
        def.lowLimitPrice = d.lowLimitPrice
        def.maxPriceVariation = d.maxPriceVariation
        def.unitOfMeasureQty = d.unitOfMeasureQty
        def.minPriceIncrementAmount = d.minPriceIncrementAmount
        def.rawInstrumentID = UInt64(UInt32(bitPattern: d.securityID))
        if let attrib = d.instAttribValues.first { def.instAttribValue = Int32(bitPattern: attrib) }
        if d.impliedDepth > 0 { def.marketDepthImplied = Int32(d.impliedDepth) }
        if d.outrightDepth > 0 { def.marketDepth = Int32(d.outrightDepth) }
        def.marketSegmentID = UInt32(d.marketSegmentID)
        def.maxTradeVol = d.maxTradeVol
        if let lot = d.lotTypeRules.first, lot.minLotSize != MDP3.nullInt32 { def.minLotSize = lot.minLotSize / 10_000 }
        def.minTradeVol = d.minTradeVol
        def.contractMultiplier = d.contractMultiplier
        def.decayQuantity = d.decayQuantity
        def.originalContractSize = d.originalContractSize
        def.applID = d.applID
        def.maturityYear = d.maturityYear
        def.decayStartDate = d.decayStartDate
        def.channelID = 0
        def.currency = (try? CString(validating: d.currency)) ?? CString()
        def.settlCurrency = (try? CString(validating: d.settlCurrency)) ?? CString()
        def.rawSymbol = (try? CString(validating: d.symbol)) ?? CString()
        def.group = (try? CString(validating: d.securityGroup)) ?? CString()
        def.exchange = (try? CString(validating: d.securityExchange)) ?? CString()
        def.asset = (try? CString(validating: d.asset)) ?? CString()
        def.cfi = (try? CString(validating: d.cfiCode)) ?? CString()
        def.securityType = (try? CString(validating: d.securityType)) ?? CString()
        def.unitOfMeasure = (try? CString(validating: d.unitOfMeasure)) ?? CString()
        def.instrumentClass = InstrumentDefMsg.classFuture
        def.matchAlgorithm = d.matchAlgorithm
        def.mainFraction = d.mainFraction
        def.priceDisplayFormat = d.priceDisplayFormat
        def.subFraction = d.subFraction
        def.underlyingProduct = d.underlyingProduct
        def.securityUpdateAction = d.securityUpdateAction
        def.maturityMonth = d.maturityMonth
        def.maturityDay = d.maturityDay
        def.maturityWeek = d.maturityWeek
        def.userDefinedInstrument = d.userDefinedInstrument
        def.contractMultiplierUnit = d.contractMultiplierUnit
        def.flowScheduleType = d.flowScheduleType
        return def
    }
}
