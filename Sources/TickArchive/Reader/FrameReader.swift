public import TickFormat

/// Decompresses frames of archive files into one reused buffer and walks their records.
/// One per thread.
public final class FrameReader {
    private let decompressor = LZ4FrameDecompressor()
    private var buffer: UnsafeMutableRawBufferPointer

    public init() { buffer = .allocate(byteCount: 1 << 20, alignment: 64) }
    deinit { buffer.deallocate() }

    /// The frame's uncompressed content (records only, unless `includingMetadata`), valid until
    /// the next call. A checksum mismatch or a structure that does not decode is `.damaged`.
    public func content(of entry: FrameIndexEntry, in file: ArchiveFile,
                        includingMetadata: Bool = false) throws(ArchiveError) -> UnsafeRawBufferPointer {
        let content = try decompressFrame(file.frameBytes(entry), length: Int(entry.contentLength),
                                          label: "\(file.path): frame at offset \(entry.frameOffset)")
        return includingMetadata ? content : UnsafeRawBufferPointer(rebasing: content[Int(entry.metadataLength)...])
    }

    /// Decompresses exactly one frame whose content is `length` bytes.
    func decompressFrame(_ frame: UnsafeRawBufferPointer, length needed: Int, label: String) throws(ArchiveError) -> UnsafeRawBufferPointer {
        if buffer.count < needed {
            buffer.deallocate()
            buffer = .allocate(byteCount: needed, alignment: 64)
        }
        switch decompressor.decompress(frame, into: buffer) {
        case .failure(let damage):
            throw ArchiveError(.damaged, "\(label) is damaged: \(damage)")
        case .success(let length):
            guard length == needed else {
                throw ArchiveError(.damaged, "\(label) holds \(length) bytes, its index says \(needed)")
            }
            return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<length])
        }
    }

    /// Calls `body` with every record of the frame, in order.
    public func forEachRecord(of entry: FrameIndexEntry, in file: ArchiveFile,
                              _ body: (RecordView) throws -> Void) throws(ArchiveError) {
        let records = try content(of: entry, in: file)
        try Self.walk(records, path: file.path, frameOffset: entry.frameOffset, body)
    }

    /// Walks whole DBN records laid end to end, checking each length before handing it out.
    static func walk(_ records: UnsafeRawBufferPointer, path: String, frameOffset: UInt64,
                     _ body: (RecordView) throws -> Void) throws(ArchiveError) {
        var at = 0
        let count = records.count
        while at < count {
            let length = Int(records[at]) &* 4
            guard length >= MemoryLayout<RecordHeader>.size, at + length <= count else {
                throw ArchiveError(.damaged, "\(path): frame at offset \(frameOffset) has a bad record length at content byte \(at)")
            }
            let record = RecordView(unchecked: UnsafeRawBufferPointer(rebasing: records[at..<(at + length)]))
            do { try body(record) } catch let error as ArchiveError { throw error } catch {
                throw ArchiveError(.io, "\(error)")
            }
            at += length
        }
    }
}
