public import TickFormat
import Glibc

/// Writes one archive file (ARCHIVE-FORMAT.md): records are gathered uncompressed until a frame is
/// full, then the frame is compressed and handed, with its index entry, to the file's write queue,
/// which writes it in one `pwrite` on its own thread while the next frame fills. Only whole frames
/// reach the file, so a crash leaves at most one torn frame at the end; a failed write is cut back
/// (`ftruncate`) to the last complete frame and reported by the next call.
public final class ArchiveFileWriter {
    public let path: String
    public let dataset: String
    public let settings: ArchiveSettings
    private var descriptor: Int32
    private let compressor: LZ4FrameCompressor
    /// The frame being filled: metadata (frame 0 only) and whole records.
    private let content: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var used = 0
    private let queue: FrameWriteQueue?
    /// Where the next frame goes (frames queued but not yet written included).
    private var plannedBytes: UInt64 = 0
    /// The frame being filled, field by field (one struct would cost an exclusivity check per write).
    @exclusivity(unchecked) private var frameRecords: UInt32 = 0
    @exclusivity(unchecked) private var frameFirstTs: UInt64 = .max
    @exclusivity(unchecked) private var frameLastTs: UInt64 = 0
    @exclusivity(unchecked) private var frameRTypes = RTypeSet()
    @exclusivity(unchecked) private var frameFlags: UInt16 = 0
    private var metadataLength: UInt32 = 0
    private let ids = InstrumentIDSet()
    /// File bytes known complete: every frame and index entry before this offset is whole.
    public var committedBytes: UInt64 { queue?.committedBytes ?? 0 }
    public private(set) var frames: [FrameIndexEntry] = []
    public private(set) var ledger = ArchiveLedger()
    @exclusivity(unchecked) public private(set) var recordCount: UInt64 = 0
    private var lastSync: UInt64 = 0
    private var isClosed = false
    /// Set after a failed write: the file keeps what was committed and takes nothing more.
    public private(set) var failure: ArchiveError? {
        didSet { hasFailed = failure != nil }
    }
    @exclusivity(unchecked) private var hasFailed = false

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
        queue = FrameWriteQueue(path: path, descriptor: descriptor, bufferBytes: compressor.bound(capacity) + (64 << 10))
        lastSync = Self.monotonicNow()
    }

    /// A writer without a file that refuses every record.
    init(failed: ArchiveError) {
        path = ""
        dataset = ""
        settings = ArchiveSettings()
        descriptor = -1
        compressor = LZ4FrameCompressor()
        content = .allocate(byteCount: 64, alignment: 64)
        queue = nil
        isClosed = true
        failure = failed
        hasFailed = true
    }

    deinit {
        queue?.shutdown()
        if descriptor >= 0 { Glibc.close(descriptor) }
        content.deallocate()
    }

    /// Bytes of the file so far plus the frame in memory (uncompressed).
    public var pendingBytes: Int { used }

    /// Appends one record (a whole DBN record). The metadata header goes in before the first one.
    public func append(_ record: RecordView) throws(ArchiveError) {
        try append(record, indexTimestamp: record.indexTimestamp)
    }

    /// `append` with the record's index timestamp already known (the directory writer reads it).
    @inline(__always)
    func append(_ record: RecordView, indexTimestamp ts: UInt64) throws(ArchiveError) {
        if hasFailed { throw failure! }
        let length = record.bytes.count
        if used &+ length > settings.frameBytes && frameRecords > 0 { try sealFrame() }
        if used == 0 && frames.isEmpty { try beginFile(start: ts) }
        (content.baseAddress! + used).copyMemory(from: record.bytes.baseAddress!, byteCount: length)
        used &+= length
        if ts < frameFirstTs { frameFirstTs = ts }
        if ts > frameLastTs { frameLastTs = ts }
        frameRecords &+= 1
        let rtype = record.bytes[1]
        frameRTypes.insert(rtype)
        ids.insert(record.instrumentID)
        recordCount &+= 1
        if rtype >= 0x13 && rtype <= 0x18 {
            if rtype == RType.system.rawValue { frameFlags |= FrameIndexEntry.noticeFlag }
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
        metadataLength = UInt32(metadata.count)
    }

    /// Compresses the frame in memory and queues it with its index entry for writing (nothing when
    /// it is empty). Throws the failure of an earlier write.
    public func sealFrame() throws(ArchiveError) {
        if !hasFailed, let queue, let error = queue.failure { failure = error }
        if hasFailed { throw failure! }
        guard used > 0, let queue else { return }
        let (slot, output) = queue.acquire()
        let frameLength = compressor.compress(UnsafeRawBufferPointer(rebasing: content[0..<used]), into: output)
        var entry = FrameIndexEntry()
        entry.flags = frameFlags
        entry.recordCount = frameRecords
        entry.firstTsRecv = frameFirstTs
        entry.lastTsRecv = frameLastTs
        entry.rtypes = frameRTypes
        entry.metadataLength = metadataLength
        entry.frameOffset = plannedBytes
        entry.frameLength = UInt32(frameLength)
        entry.contentLength = UInt32(used)
        entry.contentChecksum = UnsafeRawBufferPointer(output).loadUnaligned(fromByteOffset: frameLength - 4, as: UInt32.self)
        entry.instrumentIDs = ids.members.sorted()
        let index = entry.encodedFrame()
        index.withUnsafeBytes { (output.baseAddress! + frameLength).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let syncNow: Bool = switch settings.sync {
        case .everyFrame: true
        case .interval(let ms): Self.monotonicNow() &- lastSync >= UInt64(ms) * 1_000_000
        case .onClose: false
        }
        if syncNow { lastSync = Self.monotonicNow() }
        queue.submit(slot, length: frameLength + index.count, offset: plannedBytes, records: Int(entry.recordCount), sync: syncNow)
        plannedBytes += UInt64(frameLength + index.count)
        frames.append(entry)
        frameRecords = 0
        frameFirstTs = .max
        frameLastTs = 0
        frameRTypes = RTypeSet()
        frameFlags = 0
        metadataLength = 0
        ids.reset()
        used = 0
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
        guard let queue else { return }
        var firstError = failure
        if firstError == nil {
            do { try sealFrame() } catch { firstError = error }
        }
        queue.drain()
        queue.shutdown()
        firstError = firstError ?? queue.failure
        // The footer indexes the frames that are in the file (all of them, unless a write failed).
        let kept = Array(frames.prefix(queue.committedFrames))
        if !kept.isEmpty {
            let footer = ArchiveFooter(dataset: dataset, frames: kept, ledger: ledger).encodedFrame(at: queue.committedBytes)
            do throws(ArchiveError) {
                try writeAt(queue.committedBytes, footer)
                try sync()
            } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Writes the footer at `offset` (the end of the last complete frame); on failure cuts it off again.
    private func writeAt(_ offset: UInt64, _ bytes: [UInt8]) throws(ArchiveError) {
        let error: ArchiveError? = bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    _ = ftruncate(descriptor, off_t(offset))
                    return .system("write the footer of", path, errno: code)
                }
                done += n
            }
            return nil
        }
        if let error { throw error }
    }

    /// Waits for the queued frames, then asks the kernel to put the file on disk.
    public func sync() throws(ArchiveError) {
        queue?.drain()
        if let error = queue?.failure { throw error }
        guard fsync(descriptor) == 0 else { throw .system("sync", path, errno: errno) }
        lastSync = Self.monotonicNow()
    }

    static func monotonicNow() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}
