/// The 16-byte header that starts every DBN record (spec §4.1).
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 1 | length, in 4-byte words (ts_out included) |
/// | 1 | 1 | rtype |
/// | 2 | 2 | publisher_id |
/// | 4 | 4 | instrument_id |
/// | 8 | 8 | ts_event |
public struct RecordHeader: Sendable, BitwiseCopyable, Equatable {
    public var length: UInt8
    public var rtype: RType
    public var publisherID: UInt16
    public var instrumentID: UInt32
    public var tsEvent: UInt64

    @inlinable
    public init(length: UInt8, rtype: RType, publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64) {
        self.length = length
        self.rtype = rtype
        self.publisherID = publisherID
        self.instrumentID = instrumentID
        self.tsEvent = tsEvent
    }

    /// A header for record type `R`, its length set from `R`'s size.
    @inlinable
    public init<R: DBNRecord>(for _: R.Type, rtype: RType = R.defaultRType, publisherID: UInt16,
                              instrumentID: UInt32, tsEvent: UInt64) {
        self.init(length: UInt8(MemoryLayout<R>.size / 4), rtype: rtype, publisherID: publisherID,
                  instrumentID: instrumentID, tsEvent: tsEvent)
    }

    /// Record size in bytes.
    @inlinable public var byteCount: Int { Int(length) &* 4 }
}

/// A DBN record type whose Swift memory layout is exactly its wire layout: little-endian, C layout,
/// no implicit padding, size a multiple of 8. `Tests/TickFormatTests/LayoutTests` checks every
/// field offset against the spec.
public protocol DBNRecord: BitwiseCopyable, Sendable {
    /// The rtype a new record of this type gets.
    static var defaultRType: RType { get }
    /// Whether a record with this rtype has this layout.
    static func accepts(_ rtype: RType) -> Bool
    var header: RecordHeader { get set }
}

extension DBNRecord {
    @inlinable public static func accepts(_ rtype: RType) -> Bool { rtype == defaultRType }
    @inlinable public static var size: Int { MemoryLayout<Self>.size }

    @inlinable public var instrumentID: UInt32 {
        get { header.instrumentID }
        set { header.instrumentID = newValue }
    }
    @inlinable public var tsEvent: UInt64 {
        get { header.tsEvent }
        set { header.tsEvent = newValue }
    }

    /// The record's bytes, as written to a file (without ts_out).
    @inlinable public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: self, body)
    }
}

extension DBNRecord {
    /// Byte equality. Records have no implicit padding, so every byte is a field (reserved bytes
    /// included) and this is field-by-field equality.
    @inlinable public func hasSameBytes(as other: Self) -> Bool {
        withUnsafeBytes(of: self) { l in withUnsafeBytes(of: other) { r in l.elementsEqual(r) } }
    }
}
