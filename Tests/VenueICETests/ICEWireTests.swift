import Testing
import TestSupport
@testable import VenueICE

@Suite struct ICEWireTests {
    /// specs/ice-impact.md §13.
    static let workedExample: [UInt8] = hex("""
        00 07 00 00 13 89 00 04 18 99 0c 9d c6 4f 0c c8 54 00 0a 53 00 00 00 00 00 43 23 81 20 45 00 3a
        00 01 19 41 00 00 08 2f 79 cd 90 7b 00 01 31 00 00 00 00 00 00 0a 32 00 00 00 05 4e 4e 00 00 01
        9c ae f4 ba bb 00 00 00 00 11 18 99 0c 9d c6 4e dd 15 18 99 0c 9d c6 4e c2 90 47 00 36 00 01 19
        41 00 00 00 00 00 0d 6d 81 4e 00 00 00 00 00 00 0a 32 00 00 00 02 20 00 00 01 9c ae f4 ba bb 20
        4e 4e 31 00 20 00 00 00 00 00 10 18 99 0c 9d c6 4e c2 90 54 00 0a 45 00 00 00 00 00 43 23 81 59
        """)
    static let heartbeat: [UInt8] = hex("00 07 00 00 13 8d 00 00 18 99 0c 9e 01 e9 a7 15")

    static func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    static func messages(_ packet: [UInt8]) throws -> (ICEPacketHeader, [ICEMessage]) {
        try packet.withUnsafeBytes { bytes in
            let view = try ICEPacketView.validate(bytes).get()
            var out: [ICEMessage] = []
            view.forEachMessage { _, type, body in out.append(ICEMessage.decode(type: type, body: body)) }
            return (view.header, out)
        }
    }

    @Test func theWorkedExampleDecodesToTheSpecsValuesAndReencodesExactly() throws {
        let (header, messages) = try Self.messages(Self.workedExample)
        #expect(header == ICEPacketHeader(session: 7, sequence: 5001, count: 4, sentNs: 1_772_461_800_123_469_000))
        #expect(messages.count == 4)
        guard case .bundleMarker(let start) = messages[0], case .addOrModifyOrder(let add) = messages[1],
              case .trade(let trade) = messages[2], case .bundleMarker(let end) = messages[3] else {
            Issue.record("unexpected messages \(messages)"); return
        }
        #expect(start.isStart && start.tradeTransactionID == 4_400_001 && start.isTransactionEnd == 0x20)
        #expect(add.order.marketID == 72001 && add.order.orderID == 9_000_000_000_123 && add.order.orderSequenceID == 1)
        #expect(add.order.side == 0x31 && add.order.price == 2610 && add.order.quantity == 5)
        #expect(add.order.isImplied == 0x4E && add.order.isRFQ == 0x4E && add.order.orderEntryDateTimeMs == 1_772_461_800_123)
        #expect(add.modifyFlags == 0 && add.sequenceWithinMillis == 17)
        #expect(add.modificationTimestampNs == 1_772_461_800_123_456_789 && add.requestReceivedNs == 1_772_461_800_123_450_000)
        #expect(trade.marketID == 72001 && trade.tradeID == 880_001 && trade.price == 2610 && trade.quantity == 2)
        #expect(trade.aggressorSide == 0x31 && trade.transactDateTimeMs == 1_772_461_800_123 && trade.sequenceWithinMillis == 16)
        #expect(trade.offMarketTradeType == Alpha3(0x20, 0, 0))
        #expect(!end.isStart && end.tradeTransactionID == 4_400_001 && end.isTransactionEnd == 0x59)
        let encoded = ICEPacket.encode(session: 7, sequence: 5001, sentNs: header.sentNs, messages: messages.compactMap(\.framed))
        #expect(encoded == Self.workedExample)

        let (beat, none) = try Self.messages(Self.heartbeat)
        #expect(beat.isHeartbeat && beat.sequence == 5005 && beat.sentNs == 1_772_461_801_123_456_789 && none.isEmpty)
    }

    /// Every message type round-trips at its 1.1.51 length, with non-default values in every field.
    @Test func everyMessageTypeRoundTrips() throws {
        var e = ICEAddOrModifyOrder()
        e.order.marketID = 72008; e.order.orderID = -5; e.order.orderSequenceID = -2; e.order.side = 0x32; e.order.price = -1234
        e.order.quantity = 99; e.order.isImplied = 0x59; e.order.isRFQ = 0x59; e.order.orderEntryDateTimeMs = 17
        e.modifyFlags = 0x80; e.sequenceWithinMillis = 3; e.modificationTimestampNs = 1 << 60; e.requestReceivedNs = 5
        var d = ICESnapshotOrder(); d.order = e.order; d.sequenceWithinMillis = 9
        var f = ICEDeleteOrder(); f.marketID = 1; f.orderID = 2; f.messageDateTimeMs = 3; f.sequenceWithinMillis = 4; f.requestReceivedNs = 5
        var g = ICETrade(); g.marketID = 7; g.tradeID = 8; g.isSystemPricedLeg = 0x59; g.price = 9; g.quantity = 10
        g.oldOffMarketTradeType = 0x23; g.transactDateTimeMs = 11; g.systemPricedLegType = 0x43; g.isImpliedSpreadAtMarketOpen = 0x59
        g.isAdjustedTrade = 0x59; g.aggressorSide = 0x32; g.tradeFlags = 0x84; g.offMarketTradeType = Alpha3(0x41, 0x41, 0)
        g.sequenceWithinMillis = 12; g.requestReceivedNs = 13
        var c = ICEMarketSnapshot(); c.marketID = 72003; c.marketType = 2; c.tradingStatus = 0x31; c.volume = 1; c.blockVolume = 2
        c.efsVolume = 3; c.efpVolume = 4; c.openInterest = 5; c.openingPrice = 6; c.settlementPriceWithDealPricePrecision = 7
        c.high = 8; c.low = 9; c.vwap = 10; c.numOfBookEntries = 11; c.lastTradePrice = 12; c.lastTradeQuantity = 13
        c.lastTradeDateTimeMs = 14; c.settlePriceDateTimeMs = 15; c.lastMessageSequenceID = 16; c.openInterestDate = 20_270_326
        c.isSettlePriceOfficial = 0x59; c.settlementPrice = 17; c.hasPreviousDaySettlementPrice = 0x59; c.previousDaySettlementPrice = 18
        var k = ICEMarketStateChange(); k.marketID = 3; k.tradingStatus = 0x43; k.messageDateTimeMs = 4
        var j = ICEMarketStatistics(); j.marketID = 1; j.volume = 2; j.blockVolume = 3; j.efsVolume = 4; j.efpVolume = 5
        j.high = 6; j.low = 7; j.vwap = 8; j.messageDateTimeMs = 9
        var n = ICEOpenPrice(); n.fields.marketID = 1; n.fields.price = 2; n.fields.messageDateTimeMs = 3
        var cl = ICEClosePrice(); cl.fields.marketID = 4; cl.fields.price = 5; cl.fields.messageDateTimeMs = 6
        var o = ICESettlementPrice(); o.marketID = 1; o.settlementPriceWithDealPricePrecision = 2; o.messageDateTimeMs = 3
        o.isOfficial = 0x59; o.valuationDateTimeMs = 4; o.settlementPrice = 5
        var m = ICEOpenInterest(); m.marketID = 1; m.openInterest = 2; m.openInterestChange = -3; m.messageDateTimeMs = 4
        m.openInterestDate = 20_270_105
        var t = ICEBundleMarker(); t.startOrEnd = 0x45; t.tradeTransactionID = -1; t.isTransactionEnd = 0x4E
        var level = ICEPriceLevelFields(); level.marketID = 5; level.side = 0x32; level.position = 3; level.price = 6
        level.quantity = 7; level.orderCount = 8; level.impliedQuantity = 9; level.impliedOrderCount = 10
        var snapshotLevel = ICESnapshotPriceLevel(); snapshotLevel.level = level
        var addLevel = ICEAddPriceLevel(); addLevel.update.level = level; addLevel.update.timestampNs = 11
        var changeLevel = ICEChangePriceLevel(); changeLevel.update = addLevel.update
        var deleteLevel = ICEDeletePriceLevel(); deleteLevel.marketID = 5; deleteLevel.side = 0x31; deleteLevel.position = 2; deleteLevel.timestampNs = 12
        let all: [ICEMessage] = [.addOrModifyOrder(e), .snapshotOrder(d), .deleteOrder(f), .trade(g), .marketSnapshot(c),
                                 .marketStateChange(k), .marketStatistics(j), .openPrice(n), .closePrice(cl), .settlementPrice(o),
                                 .openInterest(m), .bundleMarker(t), .snapshotPriceLevel(snapshotLevel), .addPriceLevel(addLevel),
                                 .changePriceLevel(changeLevel), .deletePriceLevel(deleteLevel)]
        let lengths: [UInt8: Int] = [0x45: 58, 0x44: 41, 0x46: 32, 0x47: 54, 0x43: 133, 0x4B: 13, 0x4A: 52, 0x4E: 20, 0x63: 20,
                                     0x4F: 37, 0x4D: 30, 0x54: 10, 0x6D: 26, 0x74: 34, 0x73: 34, 0x72: 14]
        let packet = ICEPacket.encode(session: 1, sequence: 100, sentNs: 5, messages: all.compactMap(\.framed))
        let (header, decoded) = try Self.messages(packet)
        #expect(header.count == UInt16(all.count))
        #expect(decoded == all)
        for framed in all.compactMap(\.framed) {
            #expect(Int(framed[1]) << 8 | Int(framed[2]) == lengths[framed[0]], "type \(UnicodeScalar(framed[0]))")
        }
    }

    @Test func longerFutureBodiesAndUnknownTypesAreSkippedByBodyLength() throws {
        var f = ICEDeleteOrder(); f.marketID = 72001; f.orderID = 77
        var longer = f.framed
        longer.append(contentsOf: [1, 2, 3, 4, 5])          // a later version appends fields
        longer[2] += 5
        let unknown = ICEPacket.frame(0x7A, [9, 9, 9, 9])     // `z`: index prices, not used here
        let short = ICEPacket.frame(0x45, [0, 1, 2])          // an `E` too short for its fields
        let packet = ICEPacket.encode(session: 1, sequence: 1, sentNs: 0, messages: [longer, unknown, short, f.framed])
        let (_, decoded) = try Self.messages(packet)
        #expect(decoded == [.deleteOrder(f), .unknown(type: 0x7A), .malformed(type: 0x45), .deleteOrder(f)])
    }

    @Test func framingErrorsRefuseTheWholeDatagram() {
        var f = ICEDeleteOrder(); f.marketID = 72001
        let packet = ICEPacket.encode(session: 1, sequence: 1, sentNs: 0, messages: [f.framed, f.framed])
        for cut in [0, 15, 16, 18, packet.count - 1] {
            let result = Array(packet[..<cut]).withUnsafeBytes { ICEPacketView.validate($0) }
            guard case .failure = result else { Issue.record("cut \(cut) accepted"); continue }
        }
        var lying = packet
        lying[7] = 3  // NumOfMsgs 3, only 2 present
        #expect((lying.withUnsafeBytes { try? ICEPacketView.validate($0).get() }) == nil)
        let trailing = packet + [0, 0, 0]
        #expect(trailing.withUnsafeBytes { (try? ICEPacketView.validate($0).get())?.trailingBytes } == 3)
    }
}
