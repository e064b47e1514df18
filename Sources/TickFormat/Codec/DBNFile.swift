public import ByteIO

/// A DBN file being written: a buffered file plus an encoder. `close(start:end:limit:)` patches the
/// time range into the header in place (spec §3.3), for writers that learn it only at the end.
public struct DBNFileWriter {
    public var encoder: DBNEncoder<FileSink>

    public init(path: String, metadata: Metadata) throws {
        encoder = try DBNEncoder(sink: try FileSink(path: path), metadata: metadata)
    }

    @inlinable public mutating func write<R: DBNRecord>(_ record: R) throws { try encoder.encode(record) }
    public mutating func write(_ view: RecordView) throws { try encoder.encode(view) }

    /// Flushes and closes; when given, overwrites start/end/limit at offsets 26/34/42.
    public func close(start: UInt64? = nil, end: UInt64? = nil, limit: UInt64? = nil) throws {
        let sink = encoder.sink
        for (offset, value) in [(Metadata.startOffset, start), (Metadata.endOffset, end),
                                (Metadata.limitOffset, limit)] {
            guard let value else { continue }
            try withUnsafeBytes(of: value.littleEndian) { try sink.overwrite(at: UInt64(offset), with: $0) }
        }
        try sink.close()
    }
}

/// Reads a DBN file from disk in chunks.
public enum DBNFileReader {
    /// Decodes the file at `path`, calling `body` for each record; returns the metadata.
    @discardableResult
    public static func read(path: String, _ body: (RecordView) throws -> Void) throws -> Metadata {
        let source = try FileSource(path: path)
        let decoder = DBNDecoder()
        while true {
            let chunk = try source.nextChunk()
            if chunk.isEmpty { break }
            try decoder.feed(chunk, body)
        }
        try decoder.finish()
        return decoder.metadata!
    }
}
