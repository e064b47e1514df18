#if _endian(big)
#error("DBN is little-endian and records are read in place: ComputeFeed needs a little-endian host")
#endif

/// A DBN record read in place from a byte buffer: no copy, no allocation. Valid only while the
/// buffer it points into is (inside a decoder callback, until the callback returns).
///
/// The decoder has already checked that `bytes.count` is the header's length and at least the
/// struct size of the record's rtype, so every accessor below stays in bounds.
public struct RecordView {
    public let bytes: UnsafeRawBufferPointer

    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var header: RecordHeader { bytes.loadUnaligned(as: RecordHeader.self) }
    @inlinable public var rtype: RType { RType(rawValue: bytes[1]) }
    @inlinable public var instrumentID: UInt32 { bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
    @inlinable public var tsEvent: UInt64 { bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }

    /// The time records are ordered and indexed by: `ts_recv` where the record has one, else `ts_event`.
    @inlinable public var indexTimestamp: UInt64 {
        guard let offset = rtype.tsRecvOffset else { return tsEvent }
        return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// The ts_out suffix (meaningful only when the stream's metadata has `tsOut`).
    @inlinable public var tsOut: UInt64 { bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) }

    /// The record as `R` when its rtype has that layout (a copy on the stack, no allocation).
    @inlinable public func `as`<R: DBNRecord>(_: R.Type) -> R? {
        guard R.accepts(rtype), bytes.count >= MemoryLayout<R>.size else { return nil }
        return bytes.loadUnaligned(as: R.self)
    }

    /// One field at a byte offset, for readers that need a single value of a large record.
    @inlinable public func field<T: BitwiseCopyable>(at offset: Int, as _: T.Type) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= bytes.count, "field outside the record")
        return bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    }
}
