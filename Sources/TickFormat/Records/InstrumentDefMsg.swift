/// An instrument definition, DBN v3 (rtype 0x13, 520 bytes). Offsets are in spec §6.8 and are
/// checked field by field in `LayoutTests`; `init(...)` sets every field to its "null" value, the
/// value that means "does not apply", so a writer sets only what the venue provides.
public struct InstrumentDefMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .instrumentDef }
    public var header: RecordHeader                 // 0
    public var tsRecv: UInt64                       // 16
    public var minPriceIncrement: Int64             // 24
    public var displayFactor: Int64                 // 32
    public var expiration: UInt64                   // 40
    public var activation: UInt64                   // 48
    public var highLimitPrice: Int64                // 56
    public var lowLimitPrice: Int64                 // 64
    public var maxPriceVariation: Int64             // 72
    /// Contract size in `unitOfMeasure` units, 1e-9 fixed point.
    public var unitOfMeasureQty: Int64              // 80
    /// ComputeFeed: money value of one tick for one contract.
    public var minPriceIncrementAmount: Int64       // 88
    public var priceRatio: Int64                    // 96
    public var strikePrice: Int64                   // 104
    /// The venue's own numeric id (SHFE InstrumentNo, CME SecurityID, ICE MarketID).
    public var rawInstrumentID: UInt64              // 112
    public var legPrice: Int64                      // 120
    public var legDelta: Int64                      // 128
    public var instAttribValue: Int32               // 136
    public var underlyingID: UInt32                 // 140
    public var marketDepthImplied: Int32            // 144
    public var marketDepth: Int32                   // 148
    public var marketSegmentID: UInt32              // 152
    public var maxTradeVol: UInt32                  // 156
    public var minLotSize: Int32                    // 160
    public var minLotSizeBlock: Int32               // 164
    public var minLotSizeRoundLot: Int32            // 168
    public var minTradeVol: UInt32                  // 172
    public var contractMultiplier: Int32            // 176
    public var decayQuantity: Int32                 // 180
    public var originalContractSize: Int32          // 184
    public var legInstrumentID: UInt32              // 188
    public var legRatioPriceNumerator: Int32        // 192
    public var legRatioPriceDenominator: Int32      // 196
    public var legRatioQtyNumerator: Int32          // 200
    public var legRatioQtyDenominator: Int32        // 204
    public var legUnderlyingID: UInt32              // 208
    public var applID: Int16                        // 212
    public var maturityYear: UInt16                 // 214
    public var decayStartDate: UInt16               // 216
    public var channelID: UInt16                    // 218
    public var legCount: UInt16                     // 220
    public var legIndex: UInt16                     // 222
    public var currency: CString<4>                 // 224
    public var settlCurrency: CString<4>            // 228
    public var secsubtype: CString<6>               // 232
    public var rawSymbol: CString<71>               // 238
    public var group: CString<21>                   // 309
    public var exchange: CString<5>                 // 330
    public var asset: CString<11>                   // 335
    public var cfi: CString<7>                      // 346
    public var securityType: CString<7>             // 353
    public var unitOfMeasure: CString<31>           // 360
    public var underlying: CString<21>              // 391
    public var strikePriceCurrency: CString<4>      // 412
    public var legRawSymbol: CString<71>            // 416
    public var instrumentClass: UInt8               // 487
    public var matchAlgorithm: UInt8                // 488
    public var mainFraction: UInt8                  // 489
    public var priceDisplayFormat: UInt8            // 490
    public var subFraction: UInt8                   // 491
    public var underlyingProduct: UInt8             // 492
    public var securityUpdateAction: UInt8          // 493
    public var maturityMonth: UInt8                 // 494
    public var maturityDay: UInt8                   // 495
    public var maturityWeek: UInt8                  // 496
    public var userDefinedInstrument: UInt8         // 497
    public var contractMultiplierUnit: Int8         // 498
    public var flowScheduleType: Int8               // 499
    public var tickRule: UInt8                      // 500
    public var legInstrumentClass: UInt8            // 501
    public var legSide: Side                        // 502
    public var reserved: InlineArray<17, UInt8>     // 503

    /// instrument_class for futures, match_algorithm for FIFO (spec §9).
    public static let classFuture = UInt8(ascii: "F")
    public static let matchFIFO = UInt8(ascii: "F")

    /// A definition with every field at its null value.
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, tsRecv: UInt64 = undefTimestamp) {
        header = RecordHeader(for: InstrumentDefMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.tsRecv = tsRecv
        minPriceIncrement = undefPrice
        displayFactor = undefPrice
        expiration = undefTimestamp
        activation = undefTimestamp
        highLimitPrice = undefPrice
        lowLimitPrice = undefPrice
        maxPriceVariation = undefPrice
        unitOfMeasureQty = undefPrice
        minPriceIncrementAmount = undefPrice
        priceRatio = undefPrice
        strikePrice = undefPrice
        rawInstrumentID = 0
        legPrice = undefPrice
        legDelta = undefPrice
        instAttribValue = .max
        underlyingID = 0
        marketDepthImplied = .max
        marketDepth = .max
        marketSegmentID = .max
        maxTradeVol = .max
        minLotSize = .max
        minLotSizeBlock = .max
        minLotSizeRoundLot = .max
        minTradeVol = .max
        contractMultiplier = .max
        decayQuantity = .max
        originalContractSize = .max
        legInstrumentID = 0
        legRatioPriceNumerator = 0
        legRatioPriceDenominator = 0
        legRatioQtyNumerator = 0
        legRatioQtyDenominator = 0
        legUnderlyingID = 0
        applID = .max
        maturityYear = .max
        decayStartDate = .max
        channelID = .max
        legCount = 0
        legIndex = 0
        currency = CString()
        settlCurrency = CString()
        secsubtype = CString()
        rawSymbol = CString()
        group = CString()
        exchange = CString()
        asset = CString()
        cfi = CString()
        securityType = CString()
        unitOfMeasure = CString()
        underlying = CString()
        strikePriceCurrency = CString()
        legRawSymbol = CString()
        instrumentClass = 0
        matchAlgorithm = UInt8(ascii: " ")
        mainFraction = .max
        priceDisplayFormat = .max
        subFraction = .max
        underlyingProduct = .max
        securityUpdateAction = UInt8(ascii: "~")
        maturityMonth = .max
        maturityDay = .max
        maturityWeek = .max
        userDefinedInstrument = UInt8(ascii: "N")
        contractMultiplierUnit = .max
        flowScheduleType = .max
        tickRule = .max
        legInstrumentClass = 0
        legSide = .none
        reserved = .init(repeating: 0)
    }

    public static func == (lhs: InstrumentDefMsg, rhs: InstrumentDefMsg) -> Bool { lhs.hasSameBytes(as: rhs) }
}
