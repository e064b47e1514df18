import ExchangeSim
import FeedEngine
import Testing
import TickFormat
@testable import VenueCME

/// Handler behaviour the simulator does not exercise: MBO templates 47/53, the implied book,
/// DeleteFrom/Overlay, BookReset, definitions arriving mid-stream.
@Suite struct CMEHandlerTests {
    static let t: UInt64 = 1_799_073_000_000_000_000

    static func definition(_ id: Int32, implied: Bool = false) -> [UInt8] {
        var d = Definition54()
        d.securityID = id
        d.symbol = "GH1H7"
        d.securityGroup = "GH"
        d.asset = "GH1"
        d.totNumReports = 1
        d.minPriceIncrement = 5_000_000
        d.feedTypes = [.init(feedType: "GBX", marketDepth: 10)] + (implied ? [.init(feedType: "GBI", marketDepth: 2)] : [])
        var p = MDP3PacketBuilder(msgSeqNum: 1, sendingTime: t)
        p.append(d)
        return p.bytes
    }

    static func packet(_ seq: UInt32, _ messages: [any MDP3Encodable]) -> [UInt8] {
        var p = MDP3PacketBuilder(msgSeqNum: seq, sendingTime: t)
        for m in messages { p.append(m.encoded()) }
        return p.bytes
    }

    static func handler(implied: Bool = false) -> CMEChannelHandler<RecordCollector> {
        let h = CMEChannelHandler(configuration: .init(arbitration: .init(startupGraceNs: 0)), sink: RecordCollector())
        definition(910_001, implied: implied).withUnsafeBytes { h.receive($0, feed: .definition, line: 0, tsRecv: t) }
        return h
    }

    static func send(_ h: CMEChannelHandler<RecordCollector>, _ bytes: [UInt8], feed: CMEFeed = .incremental, at ts: UInt64) {
        bytes.withUnsafeBytes { h.receive($0, feed: feed, line: 0, tsRecv: ts) }
    }

    static func entry(_ rpt: UInt32, _ action: MDUpdateAction, level: UInt8, price: Int64, size: Int32 = 1,
                      type: UInt8 = MDEntryType.bid) -> Book46.Entry {
        .init(price: price, size: size, securityID: 910_001, rptSeq: rpt, numberOfOrders: 1, priceLevel: level,
              updateAction: action, entryType: type)
    }

    @Test func orderBookMessagesBecomeMboRecords() {
        let h = Self.handler()
        Self.send(h, Self.packet(1, [OrderBook47(transactTime: Self.t, matchEventIndicator: .endOfEvent, entries: [
            .init(orderID: 77, orderPriority: 1, price: 2_600_000_000, displayQty: 5, securityID: 910_001, updateAction: 0, entryType: MDEntryType.bid),
            .init(orderID: 78, orderPriority: 2, price: 2_610_000_000, displayQty: 3, securityID: 910_001, updateAction: 2, entryType: MDEntryType.offer),
        ])]), at: Self.t + 10)
        let mbo = h.sink.all(MboMsg.self)
        #expect(mbo.map(\.orderID) == [77, 78])
        #expect(mbo.map(\.action) == [.add, .cancel])
        #expect(mbo.map(\.side) == [.bid, .ask])
        #expect(mbo.map { $0.flags.contains(.last) } == [false, true])
        #expect(mbo[0].size == 5 && mbo[0].price == 2_600_000_000 && mbo[0].sequence == 1)
    }

    @Test func orderBookSnapshotsRepublishDuringARecovery() {
        let h = Self.handler()
        Self.send(h, Self.packet(5, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(9, .new, level: 1, price: 2_600_000_000)])]), at: Self.t + 10)
        #expect(h.instrument(securityID: 910_001)?.isStale == true)  // a late join: the first packet is 5
        Self.send(h, Self.packet(1, [SnapshotOrderBook53(lastMsgSeqNumProcessed: 5, totNumReports: 1, securityID: 910_001,
                                                         noChunks: 1, currentChunk: 1, transactTime: Self.t, entries: [
            .init(orderID: 1, orderPriority: 1, price: 2_600_000_000, displayQty: 4, entryType: MDEntryType.bid),
        ])]), feed: .snapshot, at: Self.t + 20)
        let mbo = h.sink.all(MboMsg.self)
        #expect(mbo.map(\.action) == [.clear, .add])
        #expect(mbo.allSatisfy { $0.flags.contains(.snapshot) })
        #expect(mbo.last?.flags.contains(.last) == true)
    }

    @Test func aLateJoinsFirstPacketIsQueuedAndReplayedAfterTheSnapshot() {
        let h = Self.handler()
        // The first packet is 5: a late join. Its entry (RptSeq 8) comes after the snapshot's point.
        Self.send(h, Self.packet(5, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(8, .new, level: 1, price: 2_610_000_000, size: 2)])]), at: Self.t + 10)
        #expect(h.isRecovering && h.instrument(securityID: 910_001)?.isStale == true)
        Self.send(h, Self.packet(1, [Snapshot52(lastMsgSeqNumProcessed: 4, totNumReports: 1, securityID: 910_001, rptSeq: 7,
                                                transactTime: Self.t, lastUpdateTime: Self.t, tradeDate: 20822,
                                                tradingStatus: SecurityTradingStatus.readyToTrade, entries: [
                                                    .init(price: 2_600_000_000, size: 10, numberOfOrders: 3, priceLevel: 1, entryType: MDEntryType.bid),
                                                ])]), feed: .snapshot, at: Self.t + 20)
        let inst = h.instrument(securityID: 910_001)
        #expect(inst?.isStale == false)
        // The snapshot's level, then packet 5 replayed from the recovery queue on top of it.
        #expect(inst.map { [$0.book.bids[0].price, $0.book.bids[1].price] } == [2_610_000_000, 2_600_000_000])
        #expect(inst?.lastRptSeq == 8)
    }

    @Test func anInstrumentWhoseRptSeqContinuesAfterAGapIsVerifiedWithoutASnapshot() {
        let h = Self.handler()
        Self.send(h, Self.packet(1, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(1, .new, level: 1, price: 2_600_000_000)])]), at: Self.t + 10)
        // Packet 2 is lost on every line: the gap makes the instrument unverified, and its entry in
        // packet 3 shows at once that its RptSeq continues (packet 2 did not touch it).
        Self.send(h, Self.packet(3, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(2, .new, level: 1, price: 2_610_000_000)])]), at: Self.t + 20)
        h.tick(now: Self.t + 10_000_000_000)
        #expect(h.incremental.gaps == 1)
        #expect(h.instrument(securityID: 910_001)?.isUnverified == false)
        #expect(!h.isRecovering)
        #expect(h.sink.all(SystemMsg.self).contains { $0.msg.string.hasPrefix("recovery ") })
    }

    @Test func impliedEntriesKeepTheirOwnBookAndMakeNoRecords() {
        let h = Self.handler(implied: true)
        Self.send(h, Self.packet(1, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent, entries: [
            Self.entry(1, .new, level: 1, price: 2_600_000_000),
            Self.entry(2, .new, level: 1, price: 2_605_000_000, type: MDEntryType.impliedBid),
            Self.entry(3, .new, level: 2, price: 2_595_000_000, type: MDEntryType.impliedBid),
            Self.entry(4, .new, level: 3, price: 2_590_000_000, type: MDEntryType.impliedBid),  // beyond depth 2
        ])]), at: Self.t + 10)
        let inst = h.instrument(securityID: 910_001)!
        #expect(inst.implied.depth == 2)
        #expect(inst.implied.bids.array.map(\.price) == [2_605_000_000, 2_595_000_000])
        #expect(inst.book.bids.array.map(\.price) == [2_600_000_000])
        #expect(h.sink.all(Mbp10Msg.self).count == 1)
        #expect(!inst.isStale)
    }

    @Test func deleteFromOverlayAndBookReset() {
        let h = Self.handler()
        let adds = (1...5).map { Self.entry(UInt32($0), .new, level: UInt8($0), price: 2_600_000_000 - Int64($0) * 5_000_000) }
        Self.send(h, Self.packet(1, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent, entries: adds)]), at: Self.t + 1)
        Self.send(h, Self.packet(2, [Book46(transactTime: Self.t + 1, matchEventIndicator: .endOfEvent, entries: [
            Self.entry(6, .deleteFrom, level: 2, price: MDP3.nullPrice),
            Self.entry(7, .overlay, level: 1, price: 2_500_000_000, size: 9),
        ])]), at: Self.t + 2)
        var inst = h.instrument(securityID: 910_001)!
        #expect(inst.book.bids.array.map(\.price) == [2_500_000_000, 2_580_000_000, 2_575_000_000])  // 2.595, 2.590 removed
        #expect(inst.book.bids[0].size == 9)
        Self.send(h, Self.packet(3, [Book46(transactTime: Self.t + 2, matchEventIndicator: .endOfEvent, entries: [
            Self.entry(8, .new, level: 1, price: MDP3.nullPrice, type: MDEntryType.bookReset),
        ])]), at: Self.t + 3)
        inst = h.instrument(securityID: 910_001)!
        #expect(inst.book.bids.count == 0)
        #expect(h.sink.all(Mbp10Msg.self).last?.event.action == .clear)
        #expect(!inst.isStale)
    }

    @Test func aRptSeqJumpMarksOnlyThatInstrumentStale() {
        let h = Self.handler()
        Self.send(h, Self.packet(1, [Book46(transactTime: Self.t, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(1, .new, level: 1, price: 2_600_000_000)])]), at: Self.t + 1)
        Self.send(h, Self.packet(2, [Book46(transactTime: Self.t + 1, matchEventIndicator: .endOfEvent,
                                            entries: [Self.entry(5, .new, level: 1, price: 2_605_000_000)])]), at: Self.t + 2)
        #expect(h.instrument(securityID: 910_001)?.isStale == true)
        #expect(h.stats.rptSeqJumps == 1)
        let last = h.sink.all(Mbp10Msg.self).last!
        #expect(last.event.flags.contains(.maybeBadBook))
        #expect(h.sink.all(SystemMsg.self).contains { $0.msg.string.hasPrefix("stale instrument=910001") })
    }
}
