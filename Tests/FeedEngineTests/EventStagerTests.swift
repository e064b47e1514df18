import Testing
@testable import FeedEngine
import TickFormat

@Suite struct EventStagerTests {
    static let event = BookEvent(price: 2_605_000_000, size: 7, action: .trade, side: .ask, flags: .maybeBadBook, depth: 0,
                                 tsRecv: 1_772_461_800_123_456_999, tsInDelta: -42, sequence: 9_001)
    static let level = BidAskPair(bidPx: 2_600_000_000, askPx: 2_610_000_000, bidSz: 3, askSz: 4, bidCt: 1, askCt: 2)

    /// The MBP-1 record a trade copies from the trade record is the record built field by field,
    /// also when staging it grows the arena (the trade's bytes move with it), and F_LAST lands on
    /// each stream's last record only.
    /// (`fillers` statistics records of 80 bytes first: with 818 the MBP-1 record grows the 64 KiB
    /// arena, with 819 the trade does.)
    @Test(arguments: [0, 817, 818, 819])
    func anMbp1CopiedFromItsTradeEqualsOneBuiltFieldByField(fillers: Int) {
        func run(copying: Bool) -> RecordCollector {
            let stager = EventStager(instrumentCapacity: 4)
            // Fill the arena with statistics records of another instrument (no F_LAST tracking).
            let filler = StatMsg(publisherID: 1, instrumentID: 1, tsEvent: 1, tsRecv: 1, tsRef: 0, price: 0, quantity: 0,
                                 sequence: 0, tsInDelta: 0, statType: .openingPrice, channelID: 0, updateAction: 1, statFlags: 0)
            for _ in 0..<fillers { stager.stage(filler, slot: 0) }
            let trade = stager.stageTrade(publisherID: 2, instrumentID: 910_001, tsEvent: 77, event: Self.event, slot: 1)
            if copying {
                stager.stageMbp1(sameEventAsTradeAt: trade, level: Self.level, slot: 1)
            } else {
                stager.stageMbp1(publisherID: 2, instrumentID: 910_001, tsEvent: 77, event: Self.event, level: Self.level, slot: 1)
            }
            var sink = RecordCollector()
            stager.flush(into: &sink, eventEnded: true)
            return sink
        }
        let copied = run(copying: true), built = run(copying: false)
        #expect(copied.records == built.records)
        #expect(copied.records.count == fillers + 2)
        let mbp1 = copied.all(Mbp1Msg.self).last!
        #expect(mbp1.header.rtype == .mbp1 && mbp1.header.byteCount == MemoryLayout<Mbp1Msg>.size)
        #expect(mbp1.header.instrumentID == 910_001 && mbp1.header.tsEvent == 77 && mbp1.level == Self.level)
        #expect(mbp1.event.price == Self.event.price && mbp1.event.sequence == 9_001 && mbp1.event.tsInDelta == -42)
        #expect(mbp1.event.flags == [.maybeBadBook, .last])
    }
}
