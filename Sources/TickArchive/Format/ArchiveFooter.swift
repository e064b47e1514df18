import TickFormat

/// A period in which data may be missing, as the footer lists it.
public struct ArchiveGap: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case feed = 1, archive = 2 }
    public var tsRecv: UInt64
    /// Packets (feed gap) or records (archive gap) lost.
    public var lost: UInt64
    public var kind: Kind
    public init(tsRecv: UInt64, lost: UInt64, kind: Kind) {
        self.tsRecv = tsRecv
        self.lost = lost
        self.kind = kind
    }
}

/// An instrument's stale period: from its `stale` notice to its `clean` one.
public struct StalePeriod: Sendable, Equatable {
    public var instrumentID: UInt32
    public var start: UInt64
    /// `undefTimestamp` while still stale at close.
    public var end: UInt64
    public init(instrumentID: UInt32, start: UInt64, end: UInt64) {
        self.instrumentID = instrumentID
        self.start = start
        self.end = end
    }
}

/// The footer of a closed archive file (ARCHIVE-FORMAT.md, Footer): the whole index and what a
/// catalog shows without reading any data frame.
public struct ArchiveFooter: Sendable, Equatable {
    public static let version: UInt16 = 1
    public static let trailerLength = 16
    static let trailerMagic: [UInt8] = Array("CFFT".utf8)

    public var dataset: String
    public var frames: [FrameIndexEntry]
    public var recordCount: UInt64
    public var contentBytes: UInt64
    public var firstTsRecv: UInt64
    /// Exclusive: the last `ts_recv` + 1.
    public var endTsRecv: UInt64
    public var ledger: ArchiveLedger

    public init(dataset: String, frames: [FrameIndexEntry], ledger: ArchiveLedger) {
        self.dataset = dataset
        self.frames = frames
        self.ledger = ledger
        recordCount = frames.reduce(0) { $0 + UInt64($1.recordCount) }
        contentBytes = frames.reduce(0) { $0 + UInt64($1.contentLength) }
        let populated = frames.filter { $0.recordCount > 0 }
        firstTsRecv = populated.map(\.firstTsRecv).min() ?? 0
        endTsRecv = (populated.map(\.lastTsRecv).max()).map { $0 + 1 } ?? 0
    }

    /// The footer as a skippable frame that starts at file offset `offset`, trailer included.
    public func encodedFrame(at offset: UInt64) -> [UInt8] {
        var w = LittleEndianWriter()
        w.u32(LZ4Magic.footer)
        w.u32(0)  // patched below
        w.u16(Self.version)
        w.u16(0)
        var name = Array(dataset.utf8.prefix(15))
        name += [UInt8](repeating: 0, count: 16 - name.count)
        w.raw(name)
        w.u32(UInt32(frames.count))
        w.u64(recordCount)
        w.u64(contentBytes)
        w.u64(firstTsRecv)
        w.u64(endTsRecv)
        for entry in frames {
            let bytes = entry.encoded()
            w.u32(UInt32(bytes.count))
            w.raw(bytes)
        }
        let symbols = ledger.symbols.sorted { $0.key < $1.key }
        w.u32(UInt32(symbols.count))
        for (id, symbol) in symbols {
            let text = Array(symbol.utf8.prefix(255))
            w.u32(id)
            w.u8(UInt8(text.count))
            w.raw(text)
        }
        let dates = ledger.tradingDates.sorted()
        w.u32(UInt32(dates.count))
        for d in dates { w.u32(d) }
        w.u32(UInt32(ledger.gaps.count))
        for g in ledger.gaps {
            w.u64(g.tsRecv)
            w.u64(g.lost)
            w.u8(g.kind.rawValue)
            w.raw([UInt8](repeating: 0, count: 7))
        }
        let periods = ledger.allStalePeriods
        w.u32(UInt32(periods.count))
        for p in periods {
            w.u32(p.instrumentID)
            w.u32(0)
            w.u64(p.start)
            w.u64(p.end)
        }
        // Trailer: offset, checksum of the footer bytes before it (user data only), magic.
        w.u64(offset)
        // User data: everything after magic and length so far, plus the checksum and magic still to come.
        let userDataLength = UInt32(w.bytes.count - 8 + 8)
        w.bytes.withUnsafeMutableBytes { $0.storeBytes(of: userDataLength.littleEndian, toByteOffset: 4, as: UInt32.self) }
        let checksum = w.bytes.withUnsafeBytes { XXHash32.hash(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        w.u32(checksum)
        w.raw(Self.trailerMagic)
        return w.bytes
    }

    /// The footer frame's offset named by a file's last 16 bytes, or nil when they are no trailer.
    public static func trailerOffset(_ last16: UnsafeRawBufferPointer) -> UInt64? {
        guard last16.count == trailerLength, Array(last16[12..<16]) == trailerMagic else { return nil }
        return last16.loadUnaligned(as: UInt64.self)
    }

    /// Decodes a footer frame (magic to trailer), checking its checksum and structure.
    public static func decode(frame bytes: UnsafeRawBufferPointer) throws(ArchiveFormatError) -> ArchiveFooter {
        guard bytes.count >= 8 + 4 + 16 + trailerLength, bytes.loadUnaligned(as: UInt32.self) == LZ4Magic.footer,
              Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == bytes.count - 8 else {
            throw ArchiveFormatError("no footer frame at the offset the trailer names")
        }
        let checksumAt = bytes.count - 8
        let stored = bytes.loadUnaligned(fromByteOffset: checksumAt, as: UInt32.self)
        guard stored == XXHash32.hash(UnsafeRawBufferPointer(rebasing: bytes[8..<checksumAt])) else {
            throw ArchiveFormatError("footer checksum mismatch")
        }
        var r = LittleEndianReader(UnsafeRawBufferPointer(rebasing: bytes[8..<(bytes.count - trailerLength)]))
        do {
            guard try r.u16() == version else { throw ArchiveFormatError("footer of an unknown version") }
            _ = try r.u16()
            let name = try r.take(16)
            let dataset = String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
            let frameCount = Int(try r.u32())
            let recordCount = try r.u64()
            let contentBytes = try r.u64()
            let first = try r.u64()
            let end = try r.u64()
            var frames: [FrameIndexEntry] = []
            guard frameCount <= r.remaining / 88 else { throw ArchiveFormatError("footer frame count \(frameCount) overruns it") }
            frames.reserveCapacity(frameCount)
            for _ in 0..<frameCount {
                let length = Int(try r.u32())
                frames.append(try FrameIndexEntry.decode(try r.take(length)))
            }
            var ledger = ArchiveLedger()
            for _ in 0..<(try r.u32()) {
                let id = try r.u32()
                let length = Int(try r.u8())
                ledger.symbols[id] = String(decoding: try r.take(length), as: UTF8.self)
            }
            for _ in 0..<(try r.u32()) { ledger.tradingDates.insert(try r.u32()) }
            for _ in 0..<(try r.u32()) {
                let ts = try r.u64(), lost = try r.u64(), kind = try r.u8()
                _ = try r.take(7)
                ledger.gaps.append(ArchiveGap(tsRecv: ts, lost: lost, kind: ArchiveGap.Kind(rawValue: kind) ?? .feed))
            }
            for _ in 0..<(try r.u32()) {
                let id = try r.u32()
                _ = try r.u32()
                let start = try r.u64(), end = try r.u64()
                if end == undefTimestamp {
                    ledger.openStale[id] = start
                } else {
                    ledger.closedStalePeriods.append(StalePeriod(instrumentID: id, start: start, end: end))
                }
            }
            guard r.remaining == 0 else { throw ArchiveFormatError("footer has trailing bytes") }
            var footer = ArchiveFooter(dataset: dataset, frames: frames, ledger: ledger)
            guard footer.recordCount == recordCount, footer.contentBytes == contentBytes else {
                throw ArchiveFormatError("footer totals disagree with its index")
            }
            footer.firstTsRecv = first
            footer.endTsRecv = end
            return footer
        } catch is LittleEndianReader.Overrun {
            throw ArchiveFormatError("footer is cut short")
        } catch let error as ArchiveFormatError {
            throw error
        } catch {
            throw ArchiveFormatError("\(error)")
        }
    }
}
