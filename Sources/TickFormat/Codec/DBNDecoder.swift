/// A streaming DBN v3 decoder: feed it bytes in chunks of any size and it calls back with each
/// complete record, read in place from the chunk.
///
/// Only a record split across two chunks is copied, into one reused carry buffer, so steady-state
/// decoding allocates nothing. Every record's length and rtype are checked before the callback sees
/// it; a bad one stops decoding with a `DBNError` that names its byte offset in the stream.
///
/// ```swift
/// let decoder = DBNDecoder()
/// while let chunk = ... { try decoder.feed(chunk) { record in ... } }
/// try decoder.finish()
/// ```
public final class DBNDecoder {
    /// The metadata header, once its bytes have arrived.
    public private(set) var metadata: Metadata?
    /// Stream offset of the first byte not yet decoded (start of the carried partial record).
    public private(set) var offset = 0
    /// Records delivered so far.
    public private(set) var recordCount = 0

    private var carry: [UInt8] = []
    private var tsOutBytes = 0

    public init() { carry.reserveCapacity(maxRecordLength) }

    /// Decodes what `chunk` completes. `body` sees every record that ends inside it, in order.
    public func feed(_ chunk: UnsafeRawBufferPointer, _ body: (RecordView) throws -> Void) throws {
        guard metadata != nil else { return try feedMetadata(chunk, body) }
        var input = chunk
        if !carry.isEmpty {
            let taken = try completeCarried(from: input, body)
            input = UnsafeRawBufferPointer(rebasing: input[taken...])
            if !carry.isEmpty { return }
        }
        let used = try decodeRecords(in: input, body)
        if used < input.count { carry.append(contentsOf: input[used...]) }
    }

    /// Convenience for in-memory data.
    public func feed(_ bytes: [UInt8], _ body: (RecordView) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, body) }
    }

    /// Call at the end of the stream: throws if it stopped inside the metadata or a record.
    public func finish() throws(DBNError) {
        if metadata == nil {
            let needed = carry.withUnsafeBytes { (try? Metadata.headerSize($0)) ?? nil } ?? 8
            throw .truncatedMetadata(offset: 0, needed: needed, available: carry.count)
        }
        if !carry.isEmpty {
            throw .truncatedRecord(offset: offset, length: Int(carry[0]) * 4, available: carry.count)
        }
    }

    private func feedMetadata(_ chunk: UnsafeRawBufferPointer, _ body: (RecordView) throws -> Void) throws {
        carry.append(contentsOf: chunk)
        let size = try carry.withUnsafeBytes { (bytes) throws(DBNError) -> Int? in
            guard let size = try Metadata.headerSize(bytes), bytes.count >= size else { return nil }
            metadata = try Metadata.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<size]))
            return size
        }
        guard let size else { return }
        tsOutBytes = metadata!.tsOut ? 8 : 0
        offset = size
        let rest = Array(carry[size...])
        carry.removeAll(keepingCapacity: true)
        try rest.withUnsafeBytes { bytes in
            let used = try decodeRecords(in: bytes, body)
            carry.append(contentsOf: bytes[used...])
        }
    }

    /// Appends to the carried partial record; emits it once complete. Returns the bytes taken.
    private func completeCarried(from input: UnsafeRawBufferPointer,
                                 _ body: (RecordView) throws -> Void) throws -> Int {
        var taken = 0
        if carry.count < 2 {
            taken = min(2 - carry.count, input.count)
            carry.append(contentsOf: input[0..<taken])
            if carry.count < 2 { return taken }
        }
        let length = try validatedLength(lengthWords: carry[0], rtype: carry[1], at: offset)
        let more = min(length - carry.count, input.count - taken)
        carry.append(contentsOf: input[taken..<taken + more])
        taken += more
        guard carry.count == length else { return taken }
        try carry.withUnsafeBytes { try body(RecordView(unchecked: $0)) }
        recordCount += 1
        offset += length
        carry.removeAll(keepingCapacity: true)
        return taken
    }

    /// Emits every complete record at the start of `bytes`; returns the bytes they span.
    private func decodeRecords(in bytes: UnsafeRawBufferPointer, _ body: (RecordView) throws -> Void) throws -> Int {
        var position = 0
        while bytes.count - position >= 2 {
            let length = try validatedLength(lengthWords: bytes[position], rtype: bytes[position + 1],
                                             at: offset)
            guard bytes.count - position >= length else { break }
            try body(RecordView(unchecked: UnsafeRawBufferPointer(rebasing: bytes[position..<position + length])))
            recordCount += 1
            position += length
            offset += length
        }
        return position
    }

    /// The record's byte length after checking it against the header and its rtype's struct size.
    @inline(__always)
    private func validatedLength(lengthWords: UInt8, rtype: UInt8, at offset: Int) throws(DBNError) -> Int {
        let length = Int(lengthWords) * 4
        guard length >= MemoryLayout<RecordHeader>.size else {
            throw .recordTooShort(offset: offset, length: length, minimum: MemoryLayout<RecordHeader>.size)
        }
        guard let size = RType(rawValue: rtype).recordSize else { throw .unknownRType(rtype, offset: offset + 1) }
        guard length >= size + tsOutBytes else {
            throw .recordTooShort(offset: offset, length: length, minimum: size + tsOutBytes)
        }
        return length
    }
}
