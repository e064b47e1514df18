public import ByteIO

/// Writes a DBN v3 stream: the metadata header, then records, to any `ByteSink`.
///
/// It enforces the two rules Databento's readers depend on: only official rtypes exist (guaranteed
/// by the record types), and a single-schema stream holds only that schema's rtype — anything else
/// needs `Schema.mixed`.
public struct DBNEncoder<Sink: ByteSink> {
    public var sink: Sink
    public let metadata: Metadata
    @usableFromInline let allowedRType: RType?
    @usableFromInline let tsOut: Bool

    /// Writes `metadata` to `sink`.
    public init(sink: Sink, metadata: Metadata) throws {
        self.sink = sink
        self.metadata = metadata
        let rtypes = metadata.schema.rtypes
        if metadata.schema == .mixed {
            allowedRType = nil
        } else if rtypes.count == 1 {
            allowedRType = rtypes[0]
        } else {
            throw DBNEncodingError.unsupportedSchema(metadata.schema)
        }
        tsOut = metadata.tsOut
        let header = try metadata.encoded()
        try header.withUnsafeBytes { try self.sink.write($0) }
    }

    /// Appends one record. For a stream with `tsOut`, use `encode(_:tsOut:)`.
    @inlinable
    public mutating func encode<R: DBNRecord>(_ record: R) throws {
        try check(record.header.rtype)
        precondition(!tsOut, "this stream's records carry ts_out: use encode(_:tsOut:)")
        try withUnsafeBytes(of: record) { try sink.write($0) }
    }

    /// Appends one record followed by its ts_out suffix (length grows by 2 words).
    @inlinable
    public mutating func encode<R: DBNRecord>(_ record: R, tsOut value: UInt64) throws {
        try check(record.header.rtype)
        precondition(tsOut, "this stream's metadata has no ts_out")
        var copy = record
        copy.header.length &+= 2
        try withUnsafeBytes(of: copy) { try sink.write($0) }
        try withUnsafeBytes(of: value.littleEndian) { try sink.write($0) }
    }

    /// Appends a record read from another stream, byte for byte.
    public mutating func encode(_ view: RecordView) throws {
        try check(view.rtype)
        try sink.write(view.bytes)
    }

    @inlinable
    func check(_ rtype: RType) throws {
        if let allowedRType, rtype != allowedRType {
            throw DBNEncodingError.rtypeNotInSchema(rtype, metadata.schema)
        }
    }
}

public enum DBNEncodingError: Error, Equatable, CustomStringConvertible {
    case rtypeNotInSchema(RType, Schema)
    case unsupportedSchema(Schema)

    public var description: String {
        switch self {
        case .rtypeNotInSchema(let r, let s):
            "a \(r) record cannot go into a \(s) stream (Databento's readers would misread it); use the mixed schema"
        case .unsupportedSchema(let s): "schema \(s) is not one ComputeFeed writes"
        }
    }
}
