public import FeedEngine
public import TickFormat

/// The hot state of one instrument: books, sequence and staleness. It holds no references (the
/// symbol is a fixed C string), so reading it from the handler's array costs no retain/release;
/// the definition and the statistics live in parallel arrays of the handler (cold data).
public struct CMEInstrument: Sendable {
    public let securityID: Int32
    var symbolText: CString<21>
    var groupText: CString<7>
    var assetText: CString<7>
    /// The outright book (depth from MDFeedType GBX, 10 for this project).
    public internal(set) var book: LevelBook
    /// The implied book (depth from GBI, 2), kept apart from the outright book (DESIGN.md).
    public internal(set) var implied: LevelBook
    /// The RptSeq of the last entry applied (§9.2). In the steady state it is `steadyNextRptSeq - 1`
    /// and only that is stored (one store per entry, not two); `_lastRptSeq` holds it otherwise.
    public internal(set) var lastRptSeq: UInt32 {
        get { steadyNextRptSeq != .max ? UInt32(truncatingIfNeeded: steadyNextRptSeq &- 1) : _lastRptSeq }
        set {
            _lastRptSeq = newValue
            steadyNextRptSeq = baselineKnown && !isUnverified ? UInt64(newValue) &+ 1 : .max
        }
    }
    private var _lastRptSeq: UInt32 = 0
    /// Highest RptSeq seen on a live packet. A snapshot can move `lastRptSeq` past packets still in
    /// flight; their trades are not in the snapshot and must still be output once.
    var lastLiveRptSeq: UInt32 = 0
    /// False when the next RptSeq cannot be checked (late join, definition learned late).
    var baselineKnown = false { didSet { refreshSteadyRptSeq() } }
    /// The book may be wrong: records carry F_MAYBE_BAD_BOOK until a snapshot recovers it.
    public internal(set) var isStale = false
    /// After a gap, not yet proven continuous by its next RptSeq.
    public internal(set) var isUnverified = false { didSet { refreshSteadyRptSeq() } }
    /// The steady state of RptSeq checking, derived: `lastRptSeq + 1` while the baseline is known
    /// and the instrument is not unverified, else `UInt64.max`, which no 32-bit RptSeq equals. The
    /// handler's `admit` takes the usual entry (the next RptSeq, nothing else to check) with one
    /// compare. Kept by the setters of the three properties it is derived from; `advanceSteady` is
    /// the only other writer.
    private(set) var steadyNextRptSeq: UInt64 = .max
    public internal(set) var status: StatusMsg?
    /// TransactTime of the last event applied to the book (live or replayed).
    public internal(set) var lastTransactTime: UInt64 = 0

    public var symbol: String { symbolText.string }
    public var securityGroup: String { groupText.string }
    public var asset: String { assetText.string }

    init(definition: Definition54) {
        securityID = definition.securityID
        symbolText = (try? CString(validating: definition.symbol)) ?? CString()
        groupText = (try? CString(validating: definition.securityGroup)) ?? CString()
        assetText = (try? CString(validating: definition.asset)) ?? CString()
        book = LevelBook(depth: min(10, max(1, definition.outrightDepth == 0 ? 10 : definition.outrightDepth)))
        implied = LevelBook(depth: min(10, max(0, definition.impliedDepth)))
    }

    /// After `baselineKnown` or `isUnverified` changed: `lastRptSeq` (read as it was) set again, so
    /// the steady state is derived anew.
    private mutating func refreshSteadyRptSeq() {
        let last = lastRptSeq
        lastRptSeq = last
    }

    /// Takes `rptSeq` as applied when it is `steadyNextRptSeq`: the state stays steady, one step on.
    @inline(__always)
    mutating func advanceSteady(_ rptSeq: UInt32) {
        steadyNextRptSeq = UInt64(rptSeq) &+ 1
    }

    /// Whether a record of this instrument must carry F_MAYBE_BAD_BOOK.
    @inlinable var badBookFlag: RecordFlags { isStale ? .maybeBadBook : [] }

    mutating func clearBooks() {
        book.clear()
        implied.clear()
    }
}

/// The last value of one statistic (stat_type → price, quantity), kept to publish only the values a
/// recovery changed.
struct CMEStatValue: Equatable {
    var price: Int64
    var quantity: Int64
}

/// The last value of each statistic an instrument has, in fixed slots: updating one (a volume entry
/// per trade) is a switch and a store, not a hash-table write.
struct CMEStatistics: Equatable {
    private var values = InlineArray<13, CMEStatValue?>(repeating: nil)

    /// The slot of a stat_type CME produces (specs: 49, 51, 37 → dbn-v3 §7), or nil for others.
    @inline(__always) private static func slot(_ type: UInt16) -> Int? {
        switch type {
        case 1...11: Int(type) - 1
        case 13: 11
        case 10001: 12
        default: nil
        }
    }

    private static let types: [UInt16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 10001]

    subscript(type: UInt16) -> CMEStatValue? {
        get { Self.slot(type).flatMap { values[$0] } }
        set { if let i = Self.slot(type) { values[i] = newValue } }
    }

    mutating func removeAll() { values = .init(repeating: nil) }

    /// The statistics present, by stat_type.
    var entries: [(type: UInt16, value: CMEStatValue)] {
        Self.types.compactMap { type in self[type].map { (type, $0) } }
    }

    static func == (a: CMEStatistics, b: CMEStatistics) -> Bool {
        Self.types.allSatisfy { a[$0] == b[$0] }
    }
}
