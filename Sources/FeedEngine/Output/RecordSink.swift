public import TickFormat

/// Where normalized records go: a DBN file, a text printer, a ring, a test's collector. Handlers
/// are generic over their sink, so the call is direct (no existential). A handler lives in another
/// module than the code that picks its sink, so it is specialized for that sink only in a build with
/// cross-module optimization (`-Xswiftc -cross-module-optimization`, as `Tools/cfeed` and
/// `Tools/bench` build); otherwise each record reaches the sink through a witness call.
public protocol RecordSink {
    /// One complete DBN record, valid only during the call.
    mutating func receive(_ record: RecordView)
}

/// Keeps a copy of every record (tests, small tools).
public struct RecordCollector: RecordSink {
    public private(set) var records: [[UInt8]] = []
    public init() {}
    public mutating func receive(_ record: RecordView) { records.append(Array(record.bytes)) }

    /// The records of type `R`, decoded.
    public func all<R: DBNRecord>(_: R.Type) -> [R] {
        records.compactMap { bytes in bytes.withUnsafeBytes { RecordView(unchecked: $0).as(R.self) } }
    }

    public mutating func removeAll() { records.removeAll() }
}

/// Counts records by rtype without keeping them (benchmarks). The counts are inline, not an
/// array, so counting a record costs no uniqueness check.
public struct CountingSink: RecordSink {
    public var counts = InlineArray<256, Int>(repeating: 0)
    public var total = 0
    public init() {}
    @inlinable public mutating func receive(_ record: RecordView) {
        counts[Int(record.bytes[1])] &+= 1
        total &+= 1
    }
}
