import FeedEngine
import Foundation
import Testing
import TickFormat
@testable import VenueSHFE

@Suite struct SHFEHandlerTests {
    static let reference = SHFEReferenceData(topicID: 1001, instruments: (1...12).map {
        .init(instrumentNo: Int32($0), symbol: String(format: "tk27%02d", $0), codecPrice: "4.00", priceTick: "0.01",
              volumeMultiple: 1000, currency: "CNY", expiration: nil)
    })

    static func packet(_ no: Int32, _ fields: [MIRPFieldValue], heartbeat: Bool = false) -> [UInt8] {
        var h = MIRPHeader()
        h.typeID = heartbeat ? MIRPHeader.heartbeat : MIRPHeader.incremental
        h.packetNo = no
        h.topicID = 1001
        h.snapMillisec = 500
        h.snapNo = 1
        h.snapTime = 1_799_026_200
        h.commPhaseNo = 17171
        return MIRPPacket.encode(h, fields: fields)
    }

    static func add(_ side: Character, _ level: Int64, _ offset: Int64, _ volume: Int64) -> MIRPFieldValue {
        .priceChange(eventType: UInt8(ascii: "1"), side: side == "B" ? UInt8(ascii: "0") : UInt8(ascii: "1"), level: level, priceOffset: offset, volume: volume)
    }

    static func feed(_ handler: SHFEChannelHandler<RecordCollector>, _ packets: [[UInt8]]) {
        for (i, p) in packets.enumerated() {
            for line in 0..<2 { p.withUnsafeBytes { handler.receive($0, line: line, tsRecv: 1_799_026_200_600_000_000 + UInt64(i) * 1000 + UInt64(line)) } }
        }
        handler.finish()
    }

    /// specs/shfe-mirp.md §8: the book before, then the worked packet, gives the book after.
    @Test func theWorkedExampleGivesTheBookAfter() throws {
        let handler = SHFEChannelHandler(reference: Self.reference, sink: RecordCollector())
        let before: [MIRPFieldValue] = [.contractHeader(instrumentNo: 3, changeNo: 99)]
            + [(-5, 30), (-6, 60), (-7, 20), (-8, 90), (-9, 10)].enumerated().map { Self.add("B", Int64($0.offset + 1), Int64($0.element.0), Int64($0.element.1)) }
            + [(-3, 20), (-2, 50), (-1, 40), (0, 70), (1, 30)].enumerated().map { Self.add("A", Int64($0.offset + 1), Int64($0.element.0), Int64($0.element.1)) }
        let worked = try MIRPWireTests.packet.withUnsafeBytes { b -> [MIRPFieldValue] in
            var f: [MIRPFieldValue] = []
            try MIRPPacketView.validate(b).get().forEachField { f.append($0) }
            return f
        }
        // The instrument's 99 earlier groups happened before packet 1 in the spec's story; here they are one group.
        var first = before
        first[0] = .contractHeader(instrumentNo: 3, changeNo: 1)
        var second = worked
        second[0] = .contractHeader(instrumentNo: 3, changeNo: 2)
        Self.feed(handler, [Self.packet(1, first), Self.packet(2, second)])
        let inst = try #require(handler.instrument(symbol: "tk2703"))
        #expect(!inst.isStale)
        func lv(_ p: Int64, _ s: UInt32) -> PriceLevel { PriceLevel(price: p * 10_000_000, size: s, orders: 0) }
        #expect(inst.book.bids.array == [lv(394, 60), lv(393, 20), lv(392, 90), lv(391, 10)])
        #expect(inst.book.asks.array == [lv(396, 40), lv(397, 20), lv(398, 50), lv(399, 40), lv(400, 70)])
        #expect(inst.volume == 30 && inst.turnoverFen == 11_850_000 && inst.openInterest == -30 && inst.lastPrice == 3_950_000_000)
        let trades = handler.sink.all(TradeMsg.self)
        #expect(trades.count == 1)
        #expect(trades.first.map { $0.price == 3_950_000_000 && $0.size == 30 && $0.side == .none && $0.instrumentID == 1_001_000_003 } == true)
        #expect(trades.first?.tsEvent == 1_799_026_200_500_000_000)
        // One record per book change, the last of the packet's group flagged F_LAST and showing the book after.
        let books = handler.sink.all(Mbp10Msg.self).filter { $0.event.sequence == 2 }
        #expect(books.map(\.event.action) == [.cancel, .add, .trade])
        #expect(books.last?.event.flags.contains(.last) == true && books.dropLast().allSatisfy { !$0.event.flags.contains(.last) })
        #expect(books.last.map { $0.levels[0].askPx == 3_960_000_000 && $0.levels[4].bidPx == undefPrice && $0.levels[5].askPx == undefPrice } == true)
        #expect(handler.sink.all(InstrumentDefMsg.self).count == 12)
    }

    /// A packet lost on both lines: an instrument whose next ChangeNo follows on keeps flowing
    /// clean; one whose ChangeNo jumped is stale (F_MAYBE_BAD_BOOK) until the next session.
    @Test func afterAGapChangeNoDecidesWhoIsStale() throws {
        let handler = SHFEChannelHandler(reference: Self.reference, configuration: .init(arbitration: .init(startupGraceNs: 0)),
                                         sink: RecordCollector())
        let p1 = Self.packet(1, [.contractHeader(instrumentNo: 1, changeNo: 1), Self.add("B", 1, -1, 5),
                                 .contractHeader(instrumentNo: 2, changeNo: 1), Self.add("B", 1, -2, 5)])
        let p3 = Self.packet(3, [.contractHeader(instrumentNo: 1, changeNo: 3), Self.add("A", 1, 1, 5),
                                 .contractHeader(instrumentNo: 2, changeNo: 2), Self.add("A", 1, 2, 5)])
        let beat = Self.packet(3, [], heartbeat: true)
        // Packet 2 (instrument 1, ChangeNo 2) never arrives on either line.
        Self.feed(handler, [p1, p3, beat])
        #expect(handler.arbiter.gaps == 1)
        let one = try #require(handler.instrument(symbol: "tk2701")), two = try #require(handler.instrument(symbol: "tk2702"))
        #expect(one.isStale && !two.isStale)
        #expect(handler.stats.verifiedAfterGap == 1 && handler.stats.changeNoJumps == 1)
        let last = handler.sink.all(Mbp10Msg.self).filter { $0.event.sequence == 3 }
        #expect(last.first { $0.instrumentID == 1_001_000_001 }?.event.flags.contains(.maybeBadBook) == true)
        #expect(last.first { $0.instrumentID == 1_001_000_002 }?.event.flags.contains(.maybeBadBook) == false)
        #expect(handler.sink.all(SystemMsg.self).contains { $0.msg.string.hasPrefix("gap feed=mirp from=2 to=2") })
    }

    @Test func inconsistentUpdatesMarkTheInstrumentStale() throws {
        let handler = SHFEChannelHandler(reference: Self.reference, sink: RecordCollector())
        // A modify of an empty level, then an add below the first empty level.
        Self.feed(handler, [Self.packet(1, [.contractHeader(instrumentNo: 4, changeNo: 1),
                                            .priceChange(eventType: UInt8(ascii: "2"), side: UInt8(ascii: "0"), level: 1, priceOffset: 0, volume: 3)]),
                            Self.packet(2, [.contractHeader(instrumentNo: 5, changeNo: 1), Self.add("A", 3, 1, 1)]),
                            Self.packet(3, [.contractHeader(instrumentNo: 6, changeNo: 1), Self.add("A", 1, 1, 0)]),
                            Self.packet(4, [.contractHeader(instrumentNo: 99, changeNo: 1), Self.add("A", 1, 1, 1)])])
        for s in ["tk2704", "tk2705", "tk2706"] { #expect(handler.instrument(symbol: s)?.isStale == true, "\(s)") }
        #expect(handler.instrument(symbol: "tk2707")?.isStale == false)
        #expect(handler.stats.unknownInstrumentGroups == 1)
    }
}

@Suite struct SHFEReferenceDataTests {
    @Test func theInstrumentsMdShapeLoadsAndMistakesAreNamed() throws {
        let good = #"{"venue": "shfe", "topic_id": 1001, "instruments": [{"instrument_no": 1, "symbol": "tk2701", "codec_price": "4.00", "price_tick": "0.01", "volume_multiple": 1000, "currency": "CNY", "expiration": "2027-01-15"}]}"#
        let reference = try SHFEReferenceData.decode(Data(good.utf8), name: "r.json")
        #expect(reference.topicID == 1001 && reference.instruments.first?.symbol == "tk2701")
        let handler = SHFEChannelHandler(reference: reference, sink: RecordCollector())
        #expect(handler.instruments[0].codecFP == 4_000_000_000 && handler.instruments[0].tickFP == 10_000_000)
        #expect(handler.instruments[0].instrumentID == 1_001_000_001)
        func message(_ json: String) -> String {
            do { _ = try SHFEReferenceData.decode(Data(json.utf8), name: "r.json"); return "" } catch { return error.description }
        }
        #expect(message(#"{"venue": "shfe", "topic_id": 1001, "instruments": [{"instrument_no": 1, "symbol": "x", "price_tick": "0.01", "volume_multiple": 1, "currency": "CNY"}]}"#)
                .contains("instruments[0]: missing key 'codec_price'"))
        #expect(message(#"{"venue": "shfe", "topic_id": 1001, "instruments": [{"instrument_no": 1, "symbol": "x", "codec_price": "4", "price_tick": "0", "volume_multiple": 1, "currency": "CNY"}]}"#)
                .contains("price_tick: '0' is not a positive decimal"))
    }
}
