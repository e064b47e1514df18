public import TickFormat

/// Holds the records of one exchange event until it ends, then sets `F_LAST` on the last record of
/// the event **for each instrument and each stream** (trades, MBP-1, MBP-10, MBO) and hands every
/// record to the sink in the order it was made. Holding, not delaying one record, keeps `ts_recv`
/// non-decreasing across instruments. Records without flags (status, statistics, definitions,
/// system) pass through the same queue to keep their place.
///
/// Storage is one reused byte arena; steady state allocates nothing.
public struct EventStager {
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    /// Offset in `arena` of the last record per (instrument slot, stream), -1 when none.
    private var lastRecord: [Int]
    private var touched: [Int] = []
    private static let streams = 4

    public init(instrumentCapacity: Int = 64) {
        arena.reserveCapacity(1 << 16)
        lastRecord = Array(repeating: -1, count: max(1, instrumentCapacity) * Self.streams)
    }

    public var isEmpty: Bool { offsets.isEmpty }
    public var count: Int { offsets.count }

    /// Stages `record` for the instrument in `slot` (an index the venue assigns, < capacity... grows).
    @inlinable
    public mutating func stage<R: DBNRecord>(_ record: R, slot: Int) {
        withUnsafeBytes(of: record) { stageBytes($0, slot: slot) }
    }

    public mutating func stageBytes(_ bytes: UnsafeRawBufferPointer, slot: Int) {
        let offset = arena.count
        arena.append(contentsOf: bytes)
        offsets.append(offset)
        guard let stream = Self.stream(of: RType(rawValue: bytes[1])) else { return }
        let key = slot * Self.streams + stream
        if key >= lastRecord.count { lastRecord += Array(repeating: -1, count: key + 1 - lastRecord.count + 64) }
        if lastRecord[key] < 0 { touched.append(key) }
        lastRecord[key] = offset
    }

    /// Ends the event: marks each (instrument, stream)'s last record `F_LAST` when `eventEnded`,
    /// then sends every staged record to `sink`.
    public mutating func flush<S: RecordSink>(into sink: inout S, eventEnded: Bool) {
        if eventEnded {
            for key in touched {
                let offset = lastRecord[key]
                let flagsOffset = Self.flagsOffset(of: RType(rawValue: arena[offset + 1]))
                arena[offset + flagsOffset] |= RecordFlags.last.rawValue
            }
        }
        for key in touched { lastRecord[key] = -1 }
        touched.removeAll(keepingCapacity: true)
        arena.withUnsafeBytes { all in
            for (i, offset) in offsets.enumerated() {
                let end = i + 1 < offsets.count ? offsets[i + 1] : all.count
                sink.receive(RecordView(unchecked: UnsafeRawBufferPointer(rebasing: all[offset..<end])))
            }
        }
        arena.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
    }

    /// The streams F_LAST is tracked for: trades, MBP-1, MBP-10, MBO.
    static func stream(of rtype: RType) -> Int? {
        switch rtype {
        case .mbp0: 0
        case .mbp1: 1
        case .mbp10: 2
        case .mbo: 3
        default: nil
        }
    }

    static func flagsOffset(of rtype: RType) -> Int { rtype == .mbo ? 36 : 30 }
}
