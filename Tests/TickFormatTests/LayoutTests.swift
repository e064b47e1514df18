import Testing
@testable import TickFormat

/// Every record's Swift layout is its wire layout: sizes and the offset of every field, checked
/// against the tables of specs/dbn-v3.md §6.
@Suite struct LayoutTests {
    func offset<R>(_ path: PartialKeyPath<R>) -> Int? { MemoryLayout<R>.offset(of: path) }

    @Test func sizesMatchTheSpec() {
        #expect(MemoryLayout<RecordHeader>.size == 16)
        #expect(MemoryLayout<MboMsg>.size == 56)
        #expect(MemoryLayout<TradeMsg>.size == 48)
        #expect(MemoryLayout<BidAskPair>.size == 32)
        #expect(MemoryLayout<BookEvent>.size == 32)
        #expect(MemoryLayout<Mbp1Msg>.size == 80)
        #expect(MemoryLayout<Mbp10Msg>.size == 368)
        #expect(MemoryLayout<OhlcvMsg>.size == 56)
        #expect(MemoryLayout<StatusMsg>.size == 40)
        #expect(MemoryLayout<InstrumentDefMsg>.size == 520)
        #expect(MemoryLayout<StatMsg>.size == 80)
        #expect(MemoryLayout<SymbolMappingMsg>.size == 176)
        #expect(MemoryLayout<ErrorMsg>.size == 320)
        #expect(MemoryLayout<SystemMsg>.size == 320)
        #expect(MemoryLayout<Mbp10Msg>.alignment == 8)
        #expect(MemoryLayout<Mbp10Msg>.offset(of: \.event) == Mbp10Msg.eventOffset)
        #expect(MemoryLayout<Mbp10Msg>.offset(of: \.levels) == Mbp10Msg.levelsOffset)
        #expect(MemoryLayout<Mbp1Msg>.offset(of: \.event) == Mbp1Msg.eventOffset)
        #expect(MemoryLayout<Mbp1Msg>.offset(of: \.level) == Mbp1Msg.levelOffset)
        // A trade's body is a BookEvent, field for field.
        #expect(MemoryLayout<TradeMsg>.size == TradeMsg.eventOffset + MemoryLayout<BookEvent>.size)
        let tradeFields: [(PartialKeyPath<TradeMsg>, PartialKeyPath<BookEvent>)] = [
            (\.price, \.price), (\.size, \.size), (\.action, \.action), (\.side, \.side), (\.flags, \.flags),
            (\.depth, \.depth), (\.tsRecv, \.tsRecv), (\.tsInDelta, \.tsInDelta), (\.sequence, \.sequence),
        ]
        for (trade, event) in tradeFields {
            #expect(MemoryLayout<TradeMsg>.offset(of: trade) == MemoryLayout<BookEvent>.offset(of: event).map { $0 + TradeMsg.eventOffset })
        }
        // Records stay 8-byte aligned back to back, and the size is what RType reports.
        let pairs: [(Int, RType)] = [
            (MemoryLayout<MboMsg>.size, .mbo), (MemoryLayout<TradeMsg>.size, .mbp0),
            (MemoryLayout<Mbp1Msg>.size, .mbp1), (MemoryLayout<Mbp10Msg>.size, .mbp10),
            (MemoryLayout<OhlcvMsg>.size, .ohlcv1D), (MemoryLayout<StatusMsg>.size, .status),
            (MemoryLayout<InstrumentDefMsg>.size, .instrumentDef), (MemoryLayout<StatMsg>.size, .statistics),
            (MemoryLayout<SymbolMappingMsg>.size, .symbolMapping), (MemoryLayout<ErrorMsg>.size, .error),
            (MemoryLayout<SystemMsg>.size, .system),
        ]
        for (size, rtype) in pairs {
            #expect(size % 8 == 0)
            #expect(rtype.recordSize == size, "\(rtype)")
        }
    }

    @Test func recordHeader() {
        #expect(offset(\RecordHeader.length) == 0)
        #expect(offset(\RecordHeader.rtype) == 1)
        #expect(offset(\RecordHeader.publisherID) == 2)
        #expect(offset(\RecordHeader.instrumentID) == 4)
        #expect(offset(\RecordHeader.tsEvent) == 8)
    }

    @Test func mbo() {
        let expected: [(PartialKeyPath<MboMsg>, Int)] = [
            (\.orderID, 16), (\.price, 24), (\.size, 32), (\.flags, 36), (\.channelID, 37), (\.action, 38),
            (\.side, 39), (\.tsRecv, 40), (\.tsInDelta, 48), (\.sequence, 52),
        ]
        for (path, off) in expected { #expect(offset(path) == off, "\(path)") }
        #expect(RType.mbo.tsRecvOffset == 40)
    }

    @Test func tradeAndBookEvent() {
        let trade: [(PartialKeyPath<TradeMsg>, Int)] = [
            (\.price, 16), (\.size, 24), (\.action, 28), (\.side, 29), (\.flags, 30), (\.depth, 31),
            (\.tsRecv, 32), (\.tsInDelta, 40), (\.sequence, 44),
        ]
        for (path, off) in trade { #expect(offset(path) == off, "\(path)") }
        // MBP-1 and MBP-10 share bytes 0-47 with TradeMsg through BookEvent at 16.
        let event: [(PartialKeyPath<BookEvent>, Int)] = [
            (\.price, 0), (\.size, 8), (\.action, 12), (\.side, 13), (\.flags, 14), (\.depth, 15),
            (\.tsRecv, 16), (\.tsInDelta, 24), (\.sequence, 28),
        ]
        for (path, off) in event { #expect(offset(path) == off, "\(path)") }
        #expect(offset(\Mbp1Msg.event) == 16)
        #expect(offset(\Mbp1Msg.level) == 48)
        #expect(offset(\Mbp10Msg.event) == 16)
        #expect(offset(\Mbp10Msg.levels) == 48)
        #expect(RType.mbp0.tsRecvOffset == 32)
        #expect(RType.mbp10.tsRecvOffset == 32)
    }

    @Test func bidAskPairAndMbp10Levels() {
        let pair: [(PartialKeyPath<BidAskPair>, Int)] = [
            (\.bidPx, 0), (\.askPx, 8), (\.bidSz, 16), (\.askSz, 20), (\.bidCt, 24), (\.askCt, 28),
        ]
        for (path, off) in pair { #expect(offset(path) == off, "\(path)") }
        #expect(MemoryLayout<InlineArray<10, BidAskPair>>.stride == 320)
    }

    @Test func ohlcvStatusStat() {
        let ohlcv: [(PartialKeyPath<OhlcvMsg>, Int)] = [
            (\.open, 16), (\.high, 24), (\.low, 32), (\.close, 40), (\.volume, 48),
        ]
        for (path, off) in ohlcv { #expect(offset(path) == off, "\(path)") }
        let status: [(PartialKeyPath<StatusMsg>, Int)] = [
            (\.tsRecv, 16), (\.action, 24), (\.reason, 26), (\.tradingEvent, 28), (\.isTrading, 30),
            (\.isQuoting, 31), (\.isShortSellRestricted, 32), (\.reserved, 33),
        ]
        for (path, off) in status { #expect(offset(path) == off, "\(path)") }
        let stat: [(PartialKeyPath<StatMsg>, Int)] = [
            (\.tsRecv, 16), (\.tsRef, 24), (\.price, 32), (\.quantity, 40), (\.sequence, 48), (\.tsInDelta, 52),
            (\.statType, 56), (\.channelID, 58), (\.updateAction, 60), (\.statFlags, 61), (\.reserved, 62),
        ]
        for (path, off) in stat { #expect(offset(path) == off, "\(path)") }
    }

    @Test func textRecords() {
        let mapping: [(PartialKeyPath<SymbolMappingMsg>, Int)] = [
            (\.stypeIn, 16), (\.stypeInSymbol, 17), (\.stypeOut, 88), (\.stypeOutSymbol, 89), (\.startTs, 160),
            (\.endTs, 168),
        ]
        for (path, off) in mapping { #expect(offset(path) == off, "\(path)") }
        #expect(offset(\ErrorMsg.err) == 16)
        #expect(offset(\ErrorMsg.code) == 318)
        #expect(offset(\ErrorMsg.isLast) == 319)
        #expect(offset(\SystemMsg.msg) == 16)
        #expect(offset(\SystemMsg.code) == 319)
    }

    @Test func instrumentDefinition() {
        let expected: [(PartialKeyPath<InstrumentDefMsg>, Int)] = [
            (\.tsRecv, 16), (\.minPriceIncrement, 24), (\.displayFactor, 32), (\.expiration, 40),
            (\.activation, 48), (\.highLimitPrice, 56), (\.lowLimitPrice, 64), (\.maxPriceVariation, 72),
            (\.unitOfMeasureQty, 80), (\.minPriceIncrementAmount, 88), (\.priceRatio, 96), (\.strikePrice, 104),
            (\.rawInstrumentID, 112), (\.legPrice, 120), (\.legDelta, 128), (\.instAttribValue, 136),
            (\.underlyingID, 140), (\.marketDepthImplied, 144), (\.marketDepth, 148), (\.marketSegmentID, 152),
            (\.maxTradeVol, 156), (\.minLotSize, 160), (\.minLotSizeBlock, 164), (\.minLotSizeRoundLot, 168),
            (\.minTradeVol, 172), (\.contractMultiplier, 176), (\.decayQuantity, 180),
            (\.originalContractSize, 184), (\.legInstrumentID, 188), (\.legRatioPriceNumerator, 192),
            (\.legRatioPriceDenominator, 196), (\.legRatioQtyNumerator, 200), (\.legRatioQtyDenominator, 204),
            (\.legUnderlyingID, 208), (\.applID, 212), (\.maturityYear, 214), (\.decayStartDate, 216),
            (\.channelID, 218), (\.legCount, 220), (\.legIndex, 222), (\.currency, 224), (\.settlCurrency, 228),
            (\.secsubtype, 232), (\.rawSymbol, 238), (\.group, 309), (\.exchange, 330), (\.asset, 335),
            (\.cfi, 346), (\.securityType, 353), (\.unitOfMeasure, 360), (\.underlying, 391),
            (\.strikePriceCurrency, 412), (\.legRawSymbol, 416), (\.instrumentClass, 487),
            (\.matchAlgorithm, 488), (\.mainFraction, 489), (\.priceDisplayFormat, 490), (\.subFraction, 491),
            (\.underlyingProduct, 492), (\.securityUpdateAction, 493), (\.maturityMonth, 494),
            (\.maturityDay, 495), (\.maturityWeek, 496), (\.userDefinedInstrument, 497),
            (\.contractMultiplierUnit, 498), (\.flowScheduleType, 499), (\.tickRule, 500),
            (\.legInstrumentClass, 501), (\.legSide, 502), (\.reserved, 503),
        ]
        for (path, off) in expected { #expect(offset(path) == off, "\(path)") }
        #expect(RType.instrumentDef.tsRecvOffset == 16)
    }

    @Test func cStringRules() throws {
        let s = try CString<4>(validating: "CNY")
        #expect(s.string == "CNY")
        #expect(throws: CStringError.self) { try CString<4>(validating: "USDX") }
        #expect(throws: CStringError.self) { try CString<8>(validating: "é") }
        #expect(CString<4>().isEmpty)
    }
}
