@testable import TickFormat

/// The contents of every golden file in ../shared/golden, built from the values its README lists.
/// The encoder must reproduce each file byte for byte; the decoder must read back these values.
enum Golden {
    static let t0: UInt64 = 1_700_000_000_000_000_000

    struct File {
        let name: String
        let metadata: Metadata
        let records: [any DBNRecord]
        var tsOut: [UInt64] = []
    }

    static var all: [File] { [tradesMin, tradesTsOut, mbp1Symbols, upstreamMbo, mbp10Two, definitionOne, statStatusMixed] }

    static let tradesMin = File(
        name: "trades_min.v3.dbn",
        metadata: Metadata(dataset: "ACME.FEED", schema: .trades, start: t0, end: t0 + 60_000_000_000),
        records: [
            TradeMsg(publisherID: 1, instrumentID: 12345, tsEvent: t0 + 1000, price: 4_512_250_000_000, size: 3,
                     side: .bid, flags: .last, tsRecv: t0 + 2500, tsInDelta: 250, sequence: 1001),
            TradeMsg(publisherID: 1, instrumentID: 12345, tsEvent: t0 + 9000, price: 4_512_500_000_000, size: 1,
                     side: .ask, flags: .last, tsRecv: t0 + 9900, tsInDelta: 300, sequence: 1002),
        ])

    static let tradesTsOut = File(
        name: "trades_tsout.v3.dbn",
        metadata: Metadata(dataset: "ACME.FEED", schema: .trades, start: t0, end: undefTimestamp, tsOut: true),
        records: [
            TradeMsg(publisherID: 1, instrumentID: 12345, tsEvent: t0 + 1000, price: 1_500_000_000, size: 1,
                     side: .none, flags: [], tsRecv: t0 + 2000),
        ],
        tsOut: [t0 + 3000])

    static let mbp1Symbols = File(
        name: "mbp1_symbols.v3.dbn",
        metadata: Metadata(
            dataset: "ACME.FEED", schema: .mbp1, start: t0, end: t0 + 60_000_000_000, symbols: ["ESZ3"],
            mappings: [.init(rawSymbol: "ESZ3", intervals: [.init(startDate: 20231114, endDate: 20231115, symbol: "12345")])]),
        records: [
            Mbp1Msg(publisherID: 1, instrumentID: 12345, tsEvent: t0 + 1000,
                    event: BookEvent(price: 4_512_250_000_000, size: 2, action: .add, side: .bid, flags: .last,
                                     depth: 0, tsRecv: t0 + 2000, tsInDelta: 100, sequence: 7),
                    level: BidAskPair(bidPx: 4_512_250_000_000, askPx: 4_512_500_000_000, bidSz: 10, askSz: 7,
                                      bidCt: 3, askCt: 2)),
        ])

    static let upstreamMbo = File(
        name: "upstream_test_data.mbo.v3.dbn",
        metadata: Metadata(
            dataset: "GLBX.MDP3", schema: .mbo, start: 1_609_160_400_000_000_000, end: 1_609_200_000_000_000_000,
            limit: 2, symbols: ["ESH1"],
            mappings: [.init(rawSymbol: "ESH1", intervals: [.init(startDate: 20201228, endDate: 20201229, symbol: "5482")])]),
        records: [
            MboMsg(publisherID: 1, instrumentID: 5482, tsEvent: 1_609_160_400_000_429_831, orderID: 647_784_973_705,
                   price: 3_722_750_000_000, size: 1, flags: .last, channelID: 0, action: .cancel, side: .ask,
                   tsRecv: 1_609_160_400_000_704_060, tsInDelta: 22993, sequence: 1_170_352),
            MboMsg(publisherID: 1, instrumentID: 5482, tsEvent: 1_609_160_400_000_431_665, orderID: 647_784_973_631,
                   price: 3_723_000_000_000, size: 1, flags: .last, channelID: 0, action: .cancel, side: .ask,
                   tsRecv: 1_609_160_400_000_711_344, tsInDelta: 19621, sequence: 1_170_353),
        ])

    static var mbp10Two: File {
        let start: UInt64 = 1_799_073_000_000_000_000
        var levels0 = InlineArray<10, BidAskPair>(repeating: .empty)
        var levels1 = levels0
        for i in 0..<10 {
            let bid = (px: 2_600_000_000 - 5_000_000 * Int64(i), sz: UInt32(10 + i), ct: UInt32(1 + i))
            levels0[i] = BidAskPair(bidPx: bid.px, askPx: 2_605_000_000 + 5_000_000 * Int64(i), bidSz: bid.sz,
                                    askSz: UInt32(20 + i), bidCt: bid.ct, askCt: UInt32(11 + i))
            levels1[i] = BidAskPair(bidPx: bid.px, askPx: 2_610_000_000 + 5_000_000 * Int64(i), bidSz: bid.sz,
                                    askSz: UInt32(21 + i), bidCt: bid.ct, askCt: UInt32(12 + i))
        }
        return File(
            name: "mbp10_two.v3.dbn",
            metadata: Metadata(dataset: "CF.CME.MDP3", schema: .mbp10, start: start, end: start + 60_000_000_000),
            records: [
                Mbp10Msg(publisherID: 1002, instrumentID: 910001, tsEvent: 1_799_073_000_001_000_000,
                         event: BookEvent(price: 2_600_000_000, size: 4, action: .add, side: .bid, flags: .last,
                                          depth: 0, tsRecv: 1_799_073_000_001_004_000, tsInDelta: 1500, sequence: 5001),
                         levels: levels0),
                Mbp10Msg(publisherID: 1002, instrumentID: 910001, tsEvent: 1_799_073_000_002_000_000,
                         event: BookEvent(price: 2_605_000_000, size: 20, action: .cancel, side: .ask, flags: .last,
                                          depth: 0, tsRecv: 1_799_073_000_002_003_500, tsInDelta: 1800, sequence: 5002),
                         levels: levels1),
            ])
    }

    static let shfeDayStart: UInt64 = 1_799_020_800_000_000_000

    static var definitionOne: File {
        var def = InstrumentDefMsg(publisherID: 1001, instrumentID: 1_001_000_003, tsEvent: 1_799_022_600_000_000_000,
                                   tsRecv: 1_799_022_600_000_250_000)
        def.minPriceIncrement = 10_000_000
        def.displayFactor = 1_000_000_000
        def.expiration = 1_805_094_000_000_000_000
        def.activation = 1_773_622_800_000_000_000
        def.highLimitPrice = 4_400_000_000
        def.lowLimitPrice = 3_600_000_000
        def.unitOfMeasureQty = 1_000_000_000_000
        def.minPriceIncrementAmount = 10_000_000_000
        def.rawInstrumentID = 3
        def.marketDepth = 5
        def.maxTradeVol = 500
        def.minLotSize = 1
        def.minLotSizeRoundLot = 1
        def.minTradeVol = 1
        def.applID = 1001
        def.maturityYear = 2027
        def.channelID = 0
        def.currency = "CNY"
        def.rawSymbol = "tk2703"
        def.group = "tk"
        def.exchange = "XSGE"
        def.asset = "tk"
        def.cfi = "FFICSX"
        def.securityType = "FUT"
        def.unitOfMeasure = "MTOK"
        def.instrumentClass = InstrumentDefMsg.classFuture
        def.matchAlgorithm = InstrumentDefMsg.matchFIFO
        def.priceDisplayFormat = 2
        def.securityUpdateAction = UInt8(ascii: "A")
        def.maturityMonth = 3
        def.maturityDay = 0
        def.maturityWeek = 0
        return File(
            name: "definition_one.v3.dbn",
            metadata: Metadata(
                dataset: "CF.SHFE.MIRP", schema: .definition, start: shfeDayStart, end: 1_799_107_200_000_000_000,
                symbols: ["tk2703"],
                mappings: [.init(rawSymbol: "tk2703", intervals: [.init(startDate: 20270104, endDate: 20270105, symbol: "1001000003")])]),
            records: [def])
    }

    static var statStatusMixed: File {
        func status(_ ts: UInt64, _ action: StatusAction, _ reason: StatusReason, _ trading: TriState,
                    _ quoting: TriState) -> StatusMsg {
            StatusMsg(publisherID: 1001, instrumentID: 1_001_000_003, tsEvent: ts, tsRecv: ts + 100_000, action: action,
                      reason: reason, isTrading: trading, isQuoting: quoting)
        }
        func stat(_ ts: UInt64, _ type: StatType, price: Int64 = undefPrice, quantity: Int64 = undefStatQuantity,
                  tsRef: UInt64 = undefTimestamp, sequence: UInt32, flags: UInt8 = 0) -> StatMsg {
            StatMsg(publisherID: 1001, instrumentID: 1_001_000_003, tsEvent: ts, tsRecv: ts + 100_000, tsRef: tsRef,
                    price: price, quantity: quantity, sequence: sequence, statType: type, channelID: 0,
                    statFlags: flags)
        }
        let close: UInt64 = 1_799_046_000_000_000_000
        let records: [any DBNRecord] = [
            status(1_799_024_100_000_000_000, .preOpen, .scheduled, .no, .yes),
            status(1_799_024_400_000_000_000, .trading, .scheduled, .yes, .yes),
            stat(1_799_024_400_000_000_000, .openingPrice, price: 3_950_000_000, sequence: 1),
            status(1_799_028_900_000_000_000, .pause, .scheduled, .no, .no),
            status(1_799_029_800_000_000_000, .trading, .scheduled, .yes, .yes),
            status(1_799_033_400_000_000_000, .pause, .scheduled, .no, .no),
            status(1_799_040_600_000_000_000, .trading, .scheduled, .yes, .yes),
            status(1_799_042_400_000_000_000, .halt, .marketEvent, .no, .no),
            status(1_799_043_000_000_000_000, .trading, .marketEvent, .yes, .yes),
            status(close, .close, .scheduled, .no, .no),
            stat(close, .tradingSessionHighPrice, price: 4_050_000_000, sequence: 2),
            stat(close, .tradingSessionLowPrice, price: 3_900_000_000, sequence: 3),
            stat(close, .closePrice, price: 3_980_000_000, sequence: 4),
            stat(close, .vwap, price: 3_975_000_000, quantity: 12345, sequence: 5),
            stat(close, .clearedVolume, quantity: 12345, tsRef: shfeDayStart, sequence: 6),
            stat(close, .openInterest, quantity: 4812, tsRef: shfeDayStart, sequence: 7),
            stat(1_799_047_800_000_000_000, .settlementPrice, price: 3_970_000_000, tsRef: shfeDayStart, sequence: 8,
                 flags: StatMsg.settlementFinal),
        ]
        return File(
            name: "stat_status_mixed.v3.dbn",
            metadata: Metadata(dataset: "CF.SHFE.MIRP", schema: .mixed, start: shfeDayStart, end: 1_799_107_200_000_000_000),
            records: records)
    }
}

extension Golden.File {
    /// Encodes the file with our encoder.
    func encoded() throws -> [UInt8] {
        var encoder = try DBNEncoder(sink: [UInt8](), metadata: metadata)
        for (i, record) in records.enumerated() {
            if metadata.tsOut { try encoder.encode(record, tsOut: tsOut[i]) } else { try encoder.encode(record) }
        }
        return encoder.sink
    }
}
