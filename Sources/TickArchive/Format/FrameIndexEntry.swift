public import TickFormat

/// A set of rtypes as a 256-bit bitmap (byte `r/8`, bit `r%8`), as stored in index entries.
public struct RTypeSet: Sendable, Equatable {
    public var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public init() {}
    public init(_ rtypes: some Sequence<RType>) { for r in rtypes { insert(r.rawValue) } }

    @inlinable public mutating func insert(_ r: UInt8) {
        let bit = UInt64(1) << (r & 63)
        switch r >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inlinable public func contains(_ r: UInt8) -> Bool {
        let bit = UInt64(1) << (r & 63)
        switch r >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    public func intersects(_ other: RTypeSet) -> Bool {
        words.0 & other.words.0 != 0 || words.1 & other.words.1 != 0 || words.2 & other.words.2 != 0 || words.3 & other.words.3 != 0
    }

    public var members: [UInt8] { (0...255).map(UInt8.init).filter(contains) }

    public static func == (a: RTypeSet, b: RTypeSet) -> Bool { a.words == b.words }
}

/// What the index knows of one data frame (ARCHIVE-FORMAT.md, Index entry).
public struct FrameIndexEntry: Sendable, Equatable {
    public static let version: UInt16 = 1
    public static let noticeFlag: UInt16 = 1

    public var flags: UInt16 = 0
    public var recordCount: UInt32 = 0
    public var frameOffset: UInt64 = 0
    public var frameLength: UInt32 = 0
    public var contentLength: UInt32 = 0
    public var metadataLength: UInt32 = 0
    public var contentChecksum: UInt32 = 0
    public var firstTsRecv: UInt64 = .max
    public var lastTsRecv: UInt64 = 0
    public var rtypes = RTypeSet()
    /// Ascending.
    public var instrumentIDs: [UInt32] = []

    public init() {}

    public var holdsNotices: Bool { flags & Self.noticeFlag != 0 }

    /// Whether the frame can hold a record of the window `[start, end)` on `ts_recv`.
    public func overlaps(start: UInt64, end: UInt64) -> Bool {
        recordCount > 0 && lastTsRecv >= start && firstTsRecv < end
    }

    public func holdsAny(of ids: Set<UInt32>) -> Bool { instrumentIDs.contains { ids.contains($0) } }

    /// The entry's bytes, checksum included.
    public func encoded() -> [UInt8] {
        var w = LittleEndianWriter()
        w.bytes.reserveCapacity(88 + 4 * instrumentIDs.count)
        w.u16(Self.version)
        w.u16(flags)
        w.u32(recordCount)
        w.u64(frameOffset)
        w.u32(frameLength)
        w.u32(contentLength)
        w.u32(metadataLength)
        w.u32(contentChecksum)
        w.u64(firstTsRecv)
        w.u64(lastTsRecv)
        for word in [rtypes.words.0, rtypes.words.1, rtypes.words.2, rtypes.words.3] { w.u64(word) }
        w.u32(UInt32(instrumentIDs.count))
        for id in instrumentIDs { w.u32(id) }
        w.checksum()
        return w.bytes
    }

    /// The entry as a skippable frame (magic, length, entry).
    public func encodedFrame() -> [UInt8] {
        var w = LittleEndianWriter()
        let entry = encoded()
        w.u32(LZ4Magic.indexEntry)
        w.u32(UInt32(entry.count))
        w.raw(entry)
        return w.bytes
    }

    /// Decodes an entry's bytes (the skippable frame's user data), checking its checksum.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ArchiveFormatError) -> FrameIndexEntry {
        var r = LittleEndianReader(bytes)
        do {
            guard try r.u16() == version else { throw ArchiveFormatError("index entry of an unknown version") }
            var e = FrameIndexEntry()
            e.flags = try r.u16()
            e.recordCount = try r.u32()
            e.frameOffset = try r.u64()
            e.frameLength = try r.u32()
            e.contentLength = try r.u32()
            e.metadataLength = try r.u32()
            e.contentChecksum = try r.u32()
            e.firstTsRecv = try r.u64()
            e.lastTsRecv = try r.u64()
            e.rtypes.words = (try r.u64(), try r.u64(), try r.u64(), try r.u64())
            let n = Int(try r.u32())
            guard n <= r.remaining / 4 else { throw ArchiveFormatError("index entry instrument count \(n) overruns it") }
            e.instrumentIDs = (0..<n).map { _ in (try? r.u32()) ?? 0 }
            let covered = r.offset
            let checksum = try r.u32()
            guard checksum == XXHash32.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<covered])) else {
                throw ArchiveFormatError("index entry checksum mismatch")
            }
            guard r.remaining == 0 else { throw ArchiveFormatError("index entry has trailing bytes") }
            return e
        } catch is LittleEndianReader.Overrun {
            throw ArchiveFormatError("index entry is cut short")
        } catch let error as ArchiveFormatError {
            throw error
        } catch {
            throw ArchiveFormatError("\(error)")
        }
    }
}

/// A structure of the archive that does not decode (a damaged index entry or footer).
public struct ArchiveFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
