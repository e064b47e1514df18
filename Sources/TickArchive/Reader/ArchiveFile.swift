public import TickFormat
import Glibc

/// One archive file opened for reading (ARCHIVE-FORMAT.md, Reading, repair and corruption).
///
/// The file is memory-mapped. With a valid footer the index comes from it in one read; without
/// one, the frames are walked from offset 0, index entries that are missing or damaged are
/// rebuilt by decompressing their frame, a torn last frame is set aside, and damaged regions in
/// the middle are listed with their offsets.
public final class ArchiveFile: @unchecked Sendable {
    public enum OpenedVia: String, Sendable { case footer, scan }

    /// Bytes that are not a readable frame: where, how many, and why.
    public struct Damage: Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var length: Int
        public var reason: String
        public var description: String { "damaged frame at offset \(offset) (\(length) bytes): \(reason)" }
    }

    public let path: String
    public let size: Int
    let base: UnsafeRawPointer?
    /// Mapped from a file (unmapped at the end), or a copy in memory (deallocated).
    private let isMapped: Bool
    public let openedVia: OpenedVia
    /// Data frames in file order (damaged ones excluded).
    public let frames: [FrameIndexEntry]
    public let footer: ArchiveFooter?
    /// Bytes after the last complete frame (a writer that died mid-frame), if any.
    public let tornTail: (offset: Int, length: Int)?
    public let damage: [Damage]
    /// Index entries rebuilt because they were missing or damaged.
    public let rebuiltEntries: Int
    private var cachedLedger: ArchiveLedger?
    private var cachedMetadata: Metadata?

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Opens `path`. It throws only when the file cannot be read at all or holds no archive frame.
    public init(path: String) throws(ArchiveError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path, errno: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .system("stat", path, errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw ArchiveError(.unreadable, "\(path) is not a regular file") }
        size = Int(status.st_size)
        guard size >= 4 else { throw ArchiveError(.unreadable, "\(path) is not an archive (\(size) bytes)") }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .system("map", path, errno: errno) }
        madvise(mapped, size, MADV_SEQUENTIAL)
        base = UnsafeRawPointer(mapped)
        isMapped = true
        let all = UnsafeRawBufferPointer(start: base, count: size)
        guard all.loadUnaligned(as: UInt32.self) == LZ4Magic.dataFrame else {
            munmap(mapped, size)
            throw ArchiveError(.unreadable, "\(path) is not an archive: it does not start with an LZ4 frame")
        }
        (footer, frames, openedVia, tornTail, damage, rebuiltEntries, cachedLedger) = Self.index(all)
    }

    /// An archive held in memory (a copy of `bytes`), named `name` in messages: for tests and fuzzing.
    public init(copying bytes: UnsafeRawBufferPointer, name: String) throws(ArchiveError) {
        path = name
        size = bytes.count
        guard size >= 4, bytes.loadUnaligned(as: UInt32.self) == LZ4Magic.dataFrame else {
            throw ArchiveError(.unreadable, "\(name) is not an archive: it does not start with an LZ4 frame")
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        copy.copyMemory(from: bytes.baseAddress!, byteCount: size)
        base = UnsafeRawPointer(copy)
        isMapped = false
        (footer, frames, openedVia, tornTail, damage, rebuiltEntries, cachedLedger) = Self.index(UnsafeRawBufferPointer(start: base, count: size))
    }

    /// The index of a file: from its footer, or rebuilt by a scan.
    private static func index(_ all: UnsafeRawBufferPointer)
        -> (ArchiveFooter?, [FrameIndexEntry], OpenedVia, (offset: Int, length: Int)?, [Damage], Int, ArchiveLedger?) {
        if let footer = readFooter(all) {
            return (footer, footer.frames, .footer, nil, [], 0, footer.ledger)
        }
        let scan = ArchiveScan(all)
        return (nil, scan.frames, .scan, scan.tornTail, scan.damage, scan.rebuiltEntries, nil)
    }

    deinit {
        guard let base else { return }
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), size) } else { base.deallocate() }
    }

    /// The footer named by the file's trailer, if it is there and whole.
    static func readFooter(_ all: UnsafeRawBufferPointer) -> ArchiveFooter? {
        guard all.count >= ArchiveFooter.trailerLength + 8,
              let offset = ArchiveFooter.trailerOffset(UnsafeRawBufferPointer(rebasing: all[(all.count - ArchiveFooter.trailerLength)...])),
              offset < UInt64(all.count) else { return nil }
        guard let footer = try? ArchiveFooter.decode(frame: UnsafeRawBufferPointer(rebasing: all[Int(offset)...])) else { return nil }
        // Every frame the footer lists must lie before it.
        guard footer.frames.allSatisfy({ $0.frameOffset + UInt64($0.frameLength) <= offset }) else { return nil }
        return footer
    }

    /// The compressed bytes of a frame.
    public func frameBytes(_ entry: FrameIndexEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[Int(entry.frameOffset)..<(Int(entry.frameOffset) + Int(entry.frameLength))])
    }

    /// Whether the file was closed cleanly and nothing in it is damaged.
    public var isClean: Bool { footer != nil && tornTail == nil && damage.isEmpty }

    public var recordCount: UInt64 { frames.reduce(0) { $0 + UInt64($1.recordCount) } }
    public var contentBytes: UInt64 { frames.reduce(0) { $0 + UInt64($1.contentLength) } }
    public var firstTsRecv: UInt64? { frames.filter { $0.recordCount > 0 }.map(\.firstTsRecv).min() }
    public var lastTsRecv: UInt64? { frames.filter { $0.recordCount > 0 }.map(\.lastTsRecv).max() }

    /// The DBN metadata header at the start of frame 0.
    public func metadata() throws(ArchiveError) -> Metadata {
        if let cachedMetadata { return cachedMetadata }
        guard let first = frames.first, first.frameOffset == 0, first.metadataLength > 0 else {
            throw ArchiveError(.damaged, "\(path): the first frame (with the DBN header) is damaged")
        }
        let reader = FrameReader()
        let content = try reader.content(of: first, in: self, includingMetadata: true)
        do {
            let metadata = try Metadata.decode(UnsafeRawBufferPointer(rebasing: content[0..<Int(first.metadataLength)]))
            cachedMetadata = metadata
            return metadata
        } catch {
            throw ArchiveError(.damaged, "\(path): the DBN header does not decode: \(error)")
        }
    }

    /// Symbols, trading dates, gaps and stale periods: from the footer, or rebuilt from the
    /// records that carry them (definitions, statistics, notices).
    public func ledger(skipDamaged: Bool = false) throws(ArchiveError) -> ArchiveLedger {
        if let cachedLedger { return cachedLedger }
        var ledger = ArchiveLedger()
        let wanted = RTypeSet([.instrumentDef, .statistics, .system])
        let reader = FrameReader()
        for entry in frames where entry.rtypes.intersects(wanted) {
            do {
                try reader.forEachRecord(of: entry, in: self) { ledger.observe($0) }
            } catch {
                if skipDamaged && error.kind == .damaged { continue }
                throw error
            }
        }
        cachedLedger = ledger
        return ledger
    }

    /// The error readers give when the file has damage and skipping was not asked for.
    public func refuseDamage() throws(ArchiveError) {
        if let first = damage.first {
            throw ArchiveError(.damaged, "\(path): \(first) (use --skip-corrupt to skip it)")
        }
    }
}
