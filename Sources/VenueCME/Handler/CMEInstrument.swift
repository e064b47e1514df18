public import FeedEngine
public import TickFormat

/// Everything the handler knows about one instrument of a channel.
public struct CMEInstrument {
    public let securityID: Int32
    public internal(set) var definition: InstrumentDefMsg
    public internal(set) var symbol: String
    public internal(set) var securityGroup: String
    public internal(set) var asset: String
    /// The outright book (depth from MDFeedType GBX, 10 for this project).
    public internal(set) var book: LevelBook
    /// The implied book (depth from GBI, 2), kept apart from the outright book (DESIGN.md).
    public internal(set) var implied: LevelBook
    public internal(set) var lastRptSeq: UInt32 = 0
    /// Highest RptSeq seen on a live packet. A snapshot can move `lastRptSeq` past packets still in
    /// flight; their trades are not in the snapshot and must still be output once.
    var lastLiveRptSeq: UInt32 = 0
    /// False when the next RptSeq cannot be checked (late join, definition learned late).
    var baselineKnown = false
    /// The book may be wrong: records carry F_MAYBE_BAD_BOOK until a snapshot recovers it.
    public internal(set) var isStale = false
    /// After a gap, not yet proven continuous by its next RptSeq.
    public internal(set) var isUnverified = false
    /// Last value of each statistic (stat_type → price, quantity), to publish only changes after recovery.
    var statistics: [UInt16: StatValue] = [:]
    public internal(set) var status: StatusMsg?
    /// TransactTime of the last event applied to the book (live or replayed).
    public internal(set) var lastTransactTime: UInt64 = 0

    struct StatValue: Equatable {
        var price: Int64
        var quantity: Int64
    }

    init(definition: Definition54, tsRecv: UInt64) {
        securityID = definition.securityID
        self.definition = CMEMapping.definition(definition, tsRecv: tsRecv)
        symbol = definition.symbol
        securityGroup = definition.securityGroup
        asset = definition.asset
        book = LevelBook(depth: min(10, max(1, definition.outrightDepth == 0 ? 10 : definition.outrightDepth)))
        implied = LevelBook(depth: min(10, max(0, definition.impliedDepth)))
    }

    /// Whether a record of this instrument must carry F_MAYBE_BAD_BOOK.
    @inlinable var badBookFlag: RecordFlags { isStale ? .maybeBadBook : [] }

    mutating func clearState() {
        book.clear()
        implied.clear()
        statistics.removeAll()
    }
}
