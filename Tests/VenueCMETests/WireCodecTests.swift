import TestSupport
import Testing
@testable import VenueCME

/// The MDP 3.0 codec: the spec's worked hex examples, a round trip for every template, and the
/// validation rules of §3.5.
@Suite struct WireCodecTests {
    static func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    /// §11.1: one Book46, a new best bid.
    static let example1 = hex("""
        e8 03 00 00 88 ed 4e c6 9d 0c 99 18 40 00 0b 00
        2e 00 01 00 0d 00 15 dd 4e c6 9d 0c 99 18 84 00
        00 20 00 01 40 25 45 9b 00 00 00 00 0c 00 00 00
        b1 e2 0d 00 39 00 00 00 01 00 00 00 01 00 30 ff
        ff ff 7f 00 18 00 00 00 00 00 00 00
        """)

    /// §11.2: a TradeSummary48 and a Book46 in one packet.
    static let example2 = hex("""
        e9 03 00 00 39 e5 51 5b 9e 0c 99 18 60 00 0b 00
        30 00 01 00 0d 00 15 d6 51 5b 9e 0c 99 18 01 00
        00 20 00 01 80 70 91 9b 00 00 00 00 02 00 00 00
        b1 e2 0d 00 3a 00 00 00 02 00 00 00 01 00 91 5f
        01 00 00 00 10 00 00 00 00 00 00 02 fb 47 ce 4a
        01 00 00 00 02 00 00 00 00 00 00 00 aa 47 ce 4a
        01 00 00 00 02 00 00 00 00 00 00 00 40 00 0b 00
        2e 00 01 00 0d 00 15 d6 51 5b 9e 0c 99 18 84 00
        00 20 00 01 80 70 91 9b 00 00 00 00 05 00 00 00
        b1 e2 0d 00 3b 00 00 00 01 00 00 00 01 01 31 ff
        ff ff 7f 00 18 00 00 00 00 00 00 00
        """)

    static func decodeAll(_ bytes: [UInt8]) -> (seq: UInt32, sendingTime: UInt64, messages: [MDP3Message?]) {
        bytes.withUnsafeBytes { raw in
            guard case .success = MDP3PacketView.validate(raw) else { return (0, 0, []) }
            let packet = MDP3PacketView(unchecked: raw)
            var messages: [MDP3Message?] = []
            packet.forEachMessage { messages.append(MDP3Message.decode($0)) }
            return (packet.msgSeqNum, packet.sendingTime, messages)
        }
    }

    static let book1 = Book46(
        transactTime: 1_772_461_800_123_456_789, matchEventIndicator: [.lastQuoteMsg, .endOfEvent],
        entries: [.init(price: 2_605_000_000, size: 12, securityID: 910_001, rptSeq: 57, numberOfOrders: 1,
                        priceLevel: 1, updateAction: .new, entryType: MDEntryType.bid)])

    @Test func workedExample1DecodesAndReencodes() {
        #expect(Self.example1.count == 76)
        let decoded = Self.decodeAll(Self.example1)
        #expect(decoded.seq == 1000)
        #expect(decoded.sendingTime == 1_772_461_800_123_461_000)
        #expect(decoded.messages == [.book(Self.book1)])
        var packet = MDP3PacketBuilder(msgSeqNum: 1000, sendingTime: 1_772_461_800_123_461_000)
        packet.append(Self.book1)
        #expect(packet.bytes == Self.example1)
    }

    @Test func workedExample2DecodesAndReencodes() {
        let trade = TradeSummary48(
            transactTime: 1_772_461_802_623_456_789, matchEventIndicator: .lastTradeMsg,
            entries: [.init(price: 2_610_000_000, size: 2, securityID: 910_001, rptSeq: 58, numberOfOrders: 2,
                            aggressorSide: AggressorSide.buy, tradeEntryID: 90001)],
            orders: [.init(orderID: 5_550_000_123, lastQty: 2), .init(orderID: 5_550_000_042, lastQty: 2)])
        let book = Book46(
            transactTime: 1_772_461_802_623_456_789, matchEventIndicator: [.lastQuoteMsg, .endOfEvent],
            entries: [.init(price: 2_610_000_000, size: 5, securityID: 910_001, rptSeq: 59, numberOfOrders: 1,
                            priceLevel: 1, updateAction: .change, entryType: MDEntryType.offer)])
        let decoded = Self.decodeAll(Self.example2)
        #expect(decoded.seq == 1001)
        #expect(decoded.sendingTime == 1_772_461_802_623_460_665)
        #expect(decoded.messages == [.tradeSummary(trade), .book(book)])
        var packet = MDP3PacketBuilder(msgSeqNum: 1001, sendingTime: 1_772_461_802_623_460_665)
        packet.append(trade)
        packet.append(book)
        #expect(packet.bytes == Self.example2)
    }

    /// One message of every template: encode, check MsgSize against §7, decode, compare.
    @Test func everyTemplateRoundTrips() {
        var definition = Definition54()
        definition.totNumReports = 8
        definition.applID = 410
        definition.securityExchange = "XCME"
        definition.securityGroup = "GH"
        definition.asset = "GH1"
        definition.symbol = "GH1H7"
        definition.securityID = 910_001
        definition.securityType = "FUT"
        definition.cfiCode = "FCAXSX"
        definition.maturityYear = 2027
        definition.maturityMonth = 3
        definition.currency = "USD"
        definition.minPriceIncrement = 5_000_000
        definition.unitOfMeasure = "GPUH"
        definition.unitOfMeasureQty = 1_000_000_000_000
        definition.minPriceIncrementAmount = 5_000_000_000
        definition.events = [.init(eventType: Definition54.eventActivation, eventTime: 1),
                             .init(eventType: Definition54.eventLastEligibleTradeDate, eventTime: 2)]
        definition.feedTypes = [.init(feedType: "GBX", marketDepth: 10), .init(feedType: "GBI", marketDepth: 2)]
        definition.instAttribValues = [1 << 19]
        definition.lotTypeRules = [.init(lotType: 2, minLotSize: 10_000)]
        let t: UInt64 = 1_799_073_000_000_000_000
        let cases: [(MDP3Message, Int)] = [
            (.channelReset(ChannelReset4(transactTime: t, matchEventIndicator: .endOfEvent, applIDs: [410])), 22 + 2),
            (.heartbeat, 10),
            (.securityStatus(SecurityStatus30(transactTime: t, securityGroup: "GH", asset: "GH1", securityID: MDP3.nullInt32,
                                              tradeDate: 20822, matchEventIndicator: .endOfEvent,
                                              tradingStatus: SecurityTradingStatus.tradingHalt, haltReason: 2,
                                              tradingEvent: SecurityTradingEvent.noEvent)), 40),
            (.volume(Volume37(transactTime: t, matchEventIndicator: .lastVolumeMsg,
                              entries: [.init(size: 1234, securityID: 910_001, rptSeq: 9)])), 24 + 16),
            (.book(Book46(transactTime: t, matchEventIndicator: .endOfEvent, entries: [
                .init(price: MDP3.nullPrice, size: MDP3.nullInt32, securityID: 910_002, rptSeq: 1, numberOfOrders: MDP3.nullInt32,
                      priceLevel: 1, updateAction: .deleteThru, entryType: MDEntryType.offer),
                .init(price: 2_600_000_000, size: 4, securityID: 910_002, rptSeq: 2, numberOfOrders: 2, priceLevel: 2,
                      updateAction: .new, entryType: MDEntryType.impliedBid),
            ], orders: [.init(orderID: 7, orderPriority: 8, displayQty: 9, referenceID: 2, orderUpdateAction: 0)])),
             32 + 64 + 24),
            (.orderBook(OrderBook47(transactTime: t, matchEventIndicator: .endOfEvent, entries: [
                .init(orderID: 1, orderPriority: 2, price: 3, displayQty: 4, securityID: 5, updateAction: 0, entryType: MDEntryType.bid),
            ])), 24 + 40),
            (.tradeSummary(TradeSummary48(transactTime: t, matchEventIndicator: .lastTradeMsg, entries: [
                .init(price: 2_600_000_000, size: 3, securityID: 910_001, rptSeq: 3, numberOfOrders: 2,
                      aggressorSide: AggressorSide.sell, tradeEntryID: 17),
            ], orders: [.init(orderID: 1, lastQty: 3), .init(orderID: 2, lastQty: 3)])), 32 + 32 + 32),
            (.dailyStatistics(DailyStatistics49(transactTime: t, matchEventIndicator: .lastStatsMsg, entries: [
                .init(price: 2_600_000_000, size: MDP3.nullInt32, securityID: 910_001, rptSeq: 4, tradingReferenceDate: 20822,
                      settlPriceType: SettlPriceType.finalDaily | SettlPriceType.actual, entryType: MDEntryType.settlementPrice),
            ])), 24 + 32),
            (.sessionStatistics(SessionStatistics51(transactTime: t, matchEventIndicator: .lastStatsMsg, entries: [
                .init(price: 2_700_000_000, securityID: 910_001, rptSeq: 5, entryType: MDEntryType.sessionHigh),
            ])), 24 + 24),
            (.snapshot(Snapshot52(lastMsgSeqNumProcessed: 1000, totNumReports: 8, securityID: 910_001, rptSeq: 57,
                                  transactTime: t, lastUpdateTime: t - 1, tradeDate: 20822,
                                  tradingStatus: SecurityTradingStatus.readyToTrade, entries: [
                                      .init(price: 2_600_000_000, size: 10, numberOfOrders: 3, priceLevel: 1, entryType: MDEntryType.bid),
                                      .init(size: 555, entryType: MDEntryType.electronicVolume),
                                  ])), 72 + 44),
            (.snapshotOrderBook(SnapshotOrderBook53(lastMsgSeqNumProcessed: 1, totNumReports: 2, securityID: 3, noChunks: 1,
                                                    currentChunk: 1, transactTime: t, entries: [
                                                        .init(orderID: 9, orderPriority: 1, price: 2, displayQty: 3, entryType: MDEntryType.offer),
                                                    ])), 41 + 29),
            (.definition(definition), 234 + (3 + 18) + (3 + 8) + (3 + 4) + (3 + 5)),
        ]
        for (message, size) in cases {
            let bytes: [UInt8] = switch message {
            case .channelReset(let m): m.encoded()
            case .heartbeat: [10, 0, 0, 0, 12, 0, 1, 0, 13, 0]
            case .securityStatus(let m): m.encoded()
            case .volume(let m): m.encoded()
            case .book(let m): m.encoded()
            case .orderBook(let m): m.encoded()
            case .tradeSummary(let m): m.encoded()
            case .dailyStatistics(let m): m.encoded()
            case .sessionStatistics(let m): m.encoded()
            case .snapshot(let m): m.encoded()
            case .snapshotOrderBook(let m): m.encoded()
            case .definition(let m): m.encoded()
            }
            #expect(bytes.count == size, "\(message)")
            var packet = MDP3PacketBuilder(msgSeqNum: 1, sendingTime: 2)
            packet.append(bytes)
            #expect(Self.decodeAll(packet.bytes).messages == [message])
        }
        #expect(definition.outrightDepth == 10 && definition.impliedDepth == 2)
    }

    @Test func unknownTemplatesAreSkippedByMsgSize() {
        var packet = MDP3PacketBuilder(msgSeqNum: 5, sendingTime: 6)
        packet.append([16, 0, 2, 0, 99, 0, 1, 0, 13, 0, 1, 2, 3, 4, 5, 6])  // template 99, MsgSize 16
        packet.append(Self.book1)
        packet.bytes.withUnsafeBytes { raw in
            guard case .success(let summary) = MDP3PacketView.validate(raw) else {
                Issue.record("a packet with an unknown template is still valid")
                return
            }
            #expect(summary.messages == 2 && summary.unknownTemplates == 1)
        }
        #expect(Self.decodeAll(packet.bytes).messages == [nil, .book(Self.book1)])
    }

    /// A longer block length (a future schema) is stepped over; a shorter one reads absent fields as null.
    @Test func blockLengthsComeFromTheWire() {
        var bytes = Self.book1.encoded()
        // Grow the group entry block length from 32 to 36 with 4 extra bytes after the entry.
        bytes[21] = 36
        bytes.insert(contentsOf: [0xAA, 0xBB, 0xCC, 0xDD], at: 21 + 3 + 32)
        bytes[0] = UInt8(bytes.count)
        var packet = MDP3PacketBuilder(msgSeqNum: 1, sendingTime: 1)
        packet.append(bytes)
        #expect(Self.decodeAll(packet.bytes).messages == [.book(Self.book1)])

        var short = Self.book1.encoded()
        short[21] = 27  // entries end before TradeableSize
        short.removeSubrange((21 + 3 + 27)..<(21 + 3 + 32))
        short[0] = UInt8(short.count)
        var packet2 = MDP3PacketBuilder(msgSeqNum: 1, sendingTime: 1)
        packet2.append(short)
        guard case .book(let decoded)? = Self.decodeAll(packet2.bytes).messages.first else {
            Issue.record("short entries must still decode")
            return
        }
        #expect(decoded.entries[0].tradeableSize == MDP3.nullInt32)
        #expect(decoded.entries[0].price == 2_605_000_000)
    }

    /// `isFramed` takes a datagram of one message with one compare (its MsgSize is exactly what
    /// follows the packet header) and walks every other: over random lengths and MsgSizes of one-
    /// and two-message datagrams it must agree with the full walk, `validate`'s framing.
    @Test func theOneMessageFramingShortcutAgreesWithTheFullWalk() {
        var rng = SplitMix64(seed: 46)
        var shortcuts = 0
        for _ in 0..<20_000 {
            var bytes = Self.example2
            bytes += Self.example2.dropFirst(MDP3.packetHeaderSize)  // a second message
            let length = Int.random(in: 0...bytes.count, using: &rng)
            bytes.removeSubrange(length...)
            if bytes.count >= 14 {
                // The first MsgSize: often exactly the rest of the datagram, else anything.
                let rest = bytes.count - MDP3.packetHeaderSize
                let size = Bool.random(using: &rng) ? rest : Int.random(in: 0...0xFFFF, using: &rng)
                bytes[12] = UInt8(truncatingIfNeeded: size)
                bytes[13] = UInt8(truncatingIfNeeded: size >> 8)
                if size == rest, rest >= MDP3.messageHeaderSize { shortcuts += 1 }
            }
            bytes.withUnsafeBytes { raw in
                #expect(MDP3PacketView.isFramed(raw) == (MDP3PacketView.framingFailure(raw) == nil), "\(Array(raw))")
            }
        }
        #expect(shortcuts > 5_000)
    }

    /// The straight fit check of the trade path (Volume37, TradeSummary48; Book46's shape too) says
    /// what the general `messageFits` says, for every MsgSize, root length and group dimension.
    @Test func theTradePathFitCheckAgreesWithTheGeneralOne() {
        let t: UInt64 = 1_799_073_000_000_000_000
        let volume = Volume37(transactTime: t, matchEventIndicator: .lastVolumeMsg,
                              entries: [.init(size: 12, securityID: 910_001, rptSeq: 9)]).encoded()
        let trade = TradeSummary48(transactTime: t, matchEventIndicator: .lastTradeMsg, entries: [
            .init(price: 2_600_000_000, size: 3, securityID: 910_001, rptSeq: 3, numberOfOrders: 2,
                  aggressorSide: AggressorSide.sell, tradeEntryID: 17),
        ], orders: [.init(orderID: 1, lastQty: 3), .init(orderID: 2, lastQty: 3)]).encoded()
        let book = Self.book1.encoded()
        var rng = SplitMix64(seed: 48)
        var fits = 0, fails = 0
        for _ in 0..<30_000 {
            let (template, original) = [(MDP3Template.volume, volume), (.tradeSummary, trade), (.book, book)]
                .randomElement(using: &rng)!
            var bytes = original + [UInt8](repeating: 0, count: 64)
            // Bend one of: MsgSize, BlockLength, either group's blockLength or count.
            let firstGroup = MDP3.messageHeaderSize + Int(original[2])
            let secondGroup = firstGroup + 3 + Int(original[firstGroup]) * Int(original[firstGroup + 2])
            let position = [0, 2, firstGroup, firstGroup + 2, secondGroup, secondGroup + 7].randomElement(using: &rng)!
            bytes[position] = UInt8.random(in: 0...255, using: &rng)
            let size = Int(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
            guard size >= MDP3.messageHeaderSize, size <= bytes.count else { continue }
            bytes.withUnsafeBytes { raw in
                let message = MDP3MessageView(base: raw.baseAddress!)
                let general = MDP3PacketView.messageFits(message, template)
                #expect(MDP3PacketView.fitsEntryGroups(message, ordersGroup: template != .volume) == general, "\(template) \(Array(raw))")
                if general { fits += 1 } else { fails += 1 }
            }
        }
        #expect(fits > 3_000 && fails > 3_000)
    }

    @Test func malformedDatagramsAreRejected() {
        func check(_ bytes: [UInt8]) -> MDP3PacketView.Malformed? {
            bytes.withUnsafeBytes { raw in
                if case .failure(let why) = MDP3PacketView.validate(raw) { return why }
                return nil
            }
        }
        let good = Self.example2
        #expect(check(Array(good.prefix(8))) == .shortPacket)
        #expect(check(Array(good.prefix(12))) == .emptyPacket)
        #expect(check(Array(good.prefix(17))) == .messageHeaderOverrun)
        #expect(check(Array(good.prefix(150))) == .badMsgSize)
        var zeroSize = good
        zeroSize[12] = 0
        zeroSize[13] = 0
        #expect(check(zeroSize) == .badMsgSize)
        // A group count that overruns MsgSize makes that message malformed (skipped, counted).
        var overrun = good
        overrun[35] = 9
        overrun.withUnsafeBytes { raw in
            guard case .success(let summary) = MDP3PacketView.validate(raw) else {
                Issue.record("framing is intact; only the message is bad")
                return
            }
            #expect(summary.malformedMessages == 1)
        }
        #expect(Self.decodeAll(overrun).messages.first! == nil)
    }
}
