public import TickFormat
import Glibc

/// Writes one archive file (ARCHIVE-FORMAT.md): records are gathered uncompressed until a frame is
/// full, then the frame is compressed and written with its index entry in one `write`. Only whole
/// frames reach the file, so a crash leaves at most one torn frame at the end; a failed write is
/// cut back (`ftruncate`) to the last complete frame before the error is reported.
public final class ArchiveFileWriter {
    public let path: String
    public let dataset: String
    public let settings: ArchiveSettings
    private var descriptor: Int32
    private let compressor: LZ4FrameCompressor
    /// The frame being filled: metadata (frame 0 only) and whole records.
    private let content: UnsafeMutableRawBufferPointer
    private var used = 0
    private let output: UnsafeMutableRawBufferPointer
    private var entry = FrameIndexEntry()
    private var ids = InstrumentIDSet()
    /// File bytes known complete: every frame and index entry before this offset is whole.
    public private(set) var committedBytes: UInt64 = 0
    public private(set) var frames: [FrameIndexEntry] = []
    public private(set) var ledger = ArchiveLedger()
    public private(set) var recordCount: UInt64 = 0
    private var lastSync: UInt64 = 0
    private var isClosed = false
    /// Set after a failed write: the file keeps what was committed and takes nothing more.
    public private(set) var failure: ArchiveError?

    /// Creates `path`, which must not exist (an archive is never overwritten).
    public init(path: String, dataset: String, settings: ArchiveSettings = .init()) throws(ArchiveError) {
        guard ArchiveSettings.frameBytesRange.contains(settings.frameBytes) else {
            throw ArchiveError(.invalidArgument, "frame size \(settings.frameBytes) is outside \(ArchiveSettings.frameBytesRange)")
        }
        self.path = path
        self.dataset = dataset
        self.settings = settings
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("create", path, errno: errno) }
        compressor = LZ4FrameCompressor(level: settings.compressionLevel)
        // Room for a full frame, the metadata header (frame 0) and the record that overflows.
        let capacity = settings.frameBytes + (64 << 10)
        content = .allocate(byteCount: capacity, alignment: 64)
        output = .allocate(byteCount: compressor.bound(capacity) + (64 << 10), alignment: 64)
        lastSync = Self.monotonicNow()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
        content.deallocate()
        output.deallocate()
    }

    /// Bytes of the file so far plus the frame in memory (uncompressed).
    public var pendingBytes: Int { used }

    /// Appends one record (a whole DBN record). The metadata header goes in before the first one.
    public func append(_ record: RecordView) throws(ArchiveError) {
        if let failure { throw failure }
        let length = record.bytes.count
        if used + length > settings.frameBytes && entry.recordCount > 0 { try sealFrame() }
        if committedBytes == 0 && frames.isEmpty && used == 0 { try beginFile(start: record.indexTimestamp) }
        (content.baseAddress! + used).copyMemory(from: record.bytes.baseAddress!, byteCount: length)
        used += length
        let ts = record.indexTimestamp
        if ts < entry.firstTsRecv { entry.firstTsRecv = ts }
        if ts > entry.lastTsRecv { entry.lastTsRecv = ts }
        entry.recordCount += 1
        let rtype = record.bytes[1]
        entry.rtypes.insert(rtype)
        ids.insert(record.instrumentID)
        recordCount += 1
        if rtype >= 0x13 && rtype <= 0x18 {
            if rtype == RType.system.rawValue { entry.flags |= FrameIndexEntry.noticeFlag }
            ledger.observe(record)
        }
    }

    private func beginFile(start: UInt64) throws(ArchiveError) {
        let metadata: [UInt8]
        do { metadata = try Metadata(dataset: dataset, schema: .mixed, start: start).encoded() } catch {
            throw ArchiveError(.invalidArgument, "cannot encode the DBN header for dataset '\(dataset)': \(error)")
        }
        metadata.withUnsafeBytes { content.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        used = metadata.count
        entry.metadataLength = UInt32(metadata.count)
    }

    /// Compresses and writes the frame in memory with its index entry (nothing when it is empty).
    public func sealFrame() throws(ArchiveError) {
        if let failure { throw failure }
        guard used > 0 else { return }
        let frameLength = compressor.compress(UnsafeRawBufferPointer(rebasing: content[0..<used]), into: output)
        entry.frameOffset = committedBytes
        entry.frameLength = UInt32(frameLength)
        entry.contentLength = UInt32(used)
        entry.contentChecksum = UnsafeRawBufferPointer(output).loadUnaligned(fromByteOffset: frameLength - 4, as: UInt32.self)
        entry.instrumentIDs = ids.members.sorted()
        let index = entry.encodedFrame()
        index.withUnsafeBytes { (output.baseAddress! + frameLength).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        try writeCommitted(UnsafeRawBufferPointer(rebasing: output[0..<(frameLength + index.count)]), what: "frame")
        frames.append(entry)
        entry = FrameIndexEntry()
        ids.reset()
        used = 0
        switch settings.sync {
        case .everyFrame: try sync()
        case .interval(let ms):
            if Self.monotonicNow() &- lastSync >= UInt64(ms) * 1_000_000 { try sync() }
        case .onClose: break
        }
    }

    /// Seals the last frame, writes the footer and syncs. After a failure it still tries to leave
    /// a footer for what was kept; the error is thrown either way.
    public func close() throws(ArchiveError) {
        guard !isClosed else { return }
        isClosed = true
        defer {
            Glibc.close(descriptor)
            descriptor = -1
        }
        var firstError = failure
        if firstError == nil {
            do { try sealFrame() } catch { firstError = error }
        }
        if !frames.isEmpty {
            let footer = ArchiveFooter(dataset: dataset, frames: frames, ledger: ledger).encodedFrame(at: committedBytes)
            failure = nil
            do {
                try writeCommitted(footer, what: "footer")
                try sync()
            } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Writes all of `bytes` at the end of the file, or cuts the file back to the last complete
    /// frame and throws.
    private func writeCommitted(_ bytes: UnsafeRawBufferPointer, what: String) throws(ArchiveError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(committedBytes) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                _ = ftruncate(descriptor, off_t(committedBytes))
                let error = ArchiveError.system("write", path, errno: code,
                    detail: "; kept \(frames.count) complete frames (\(frames.reduce(0) { $0 + Int($1.recordCount) }) records)")
                failure = error
                throw error
            }
            done += n
        }
        committedBytes += UInt64(bytes.count)
    }

    private func writeCommitted(_ bytes: [UInt8], what: String) throws(ArchiveError) {
        var failed: ArchiveError?
        bytes.withUnsafeBytes { raw in
            do throws(ArchiveError) { try writeCommitted(raw, what: what) } catch { failed = error }
        }
        if let failed { throw failed }
    }

    public func sync() throws(ArchiveError) {
        guard fsync(descriptor) == 0 else { throw .system("sync", path, errno: errno) }
        lastSync = Self.monotonicNow()
    }

    static func monotonicNow() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}
