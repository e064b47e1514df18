import TickFormat

/// Rebuilds a file's index by walking its frames from offset 0 (a file without a footer: its
/// writer died, or the footer is damaged).
struct ArchiveScan {
    var frames: [FrameIndexEntry] = []
    var tornTail: (offset: Int, length: Int)?
    var damage: [ArchiveFile.Damage] = []
    var rebuiltEntries = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        /// A data frame waiting for its index entry.
        var pending: (offset: Int, extent: LZ4FrameExtent)?
        let reader = FrameReader()
        func settlePending() {
            guard let p = pending else { return }
            pending = nil
            switch Self.rebuildEntry(bytes, offset: p.offset, extent: p.extent, reader: reader) {
            case .success(let entry):
                frames.append(entry)
                rebuiltEntries += 1
            case .failure(let problem):
                damage.append(.init(offset: p.offset, length: p.extent.length, reason: problem.description))
            }
        }
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch LZ4FrameExtent.walk(rest) {
            case .success(let extent):
                switch extent.kind {
                case .data:
                    settlePending()
                    pending = (offset, extent)
                case .skippable(let magic) where magic == LZ4Magic.indexEntry:
                    let payload = UnsafeRawBufferPointer(rebasing: rest[8..<extent.length])
                    if let p = pending, let entry = try? FrameIndexEntry.decode(payload),
                       entry.frameOffset == UInt64(p.offset), Int(entry.frameLength) == p.extent.length,
                       entry.contentChecksum == p.extent.contentChecksum {
                        frames.append(entry)
                        pending = nil
                    } else if pending == nil {
                        damage.append(.init(offset: offset, length: extent.length, reason: "index entry without its frame"))
                    }
                    // A damaged entry: the pending frame's entry is rebuilt from its content.
                case .skippable:
                    break  // a footer that did not validate, or a foreign skippable frame
                }
                offset += extent.length
            case .failure(let problem):
                // Resynchronize at the next offset that holds a whole, valid data frame.
                let next = Self.nextFrame(in: bytes, after: offset)
                if case .truncated = problem, next == nil {
                    settlePending()
                    tornTail = (offset, bytes.count - offset)
                    offset = bytes.count
                } else {
                    settlePending()
                    let end = next ?? bytes.count
                    let reason: String = switch problem {
                    case .truncated: "frame structure runs past a later frame (damaged block sizes)"
                    case .notAFrame(let why): why
                    }
                    damage.append(.init(offset: offset, length: end - offset, reason: reason))
                    offset = end
                }
            }
        }
        settlePending()
    }

    /// The first offset after `offset` where a data frame walks completely.
    static func nextFrame(in bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var at = offset + 1
        let magic = LZ4Magic.dataFrame
        while at + 4 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self) == magic,
               case .success = LZ4FrameExtent.walk(UnsafeRawBufferPointer(rebasing: bytes[at...])) {
                return at
            }
            at += 1
        }
        return nil
    }

    /// An index entry made by decompressing the frame.
    static func rebuildEntry(_ bytes: UnsafeRawBufferPointer, offset: Int, extent: LZ4FrameExtent,
                             reader: FrameReader) -> Result<FrameIndexEntry, ArchiveError> {
        guard let size = extent.contentSize, size <= UInt64(Int32.max) else {
            return .failure(ArchiveError(.damaged, "frame without a content size"))
        }
        var entry = FrameIndexEntry()
        entry.frameOffset = UInt64(offset)
        entry.frameLength = UInt32(extent.length)
        entry.contentLength = UInt32(size)
        entry.contentChecksum = extent.contentChecksum ?? 0
        let region = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + extent.length)])
        do {
            let content = try reader.content(ofFrame: region, length: Int(size))
            var start = 0
            if offset == 0 {
                guard let header = (try? Metadata.headerSize(content)) ?? nil, header <= content.count else {
                    return .failure(ArchiveError(.damaged, "the first frame does not start with a DBN header"))
                }
                start = header
                entry.metadataLength = UInt32(header)
            }
            let ids = InstrumentIDSet()
            try FrameReader.walk(UnsafeRawBufferPointer(rebasing: content[start...]), path: "", frameOffset: UInt64(offset)) { record in
                let ts = record.indexTimestamp
                entry.firstTsRecv = min(entry.firstTsRecv, ts)
                entry.lastTsRecv = max(entry.lastTsRecv, ts)
                entry.recordCount += 1
                entry.rtypes.insert(record.bytes[1])
                if record.rtype == .system { entry.flags |= FrameIndexEntry.noticeFlag }
                ids.insert(record.instrumentID)
            }
            entry.instrumentIDs = ids.members.sorted()
            return .success(entry)
        } catch {
            return .failure(error)
        }
    }
}

extension FrameReader {
    /// Decompresses a frame given by its bytes (no index entry yet).
    func content(ofFrame frame: UnsafeRawBufferPointer, length: Int) throws(ArchiveError) -> UnsafeRawBufferPointer {
        try decompressFrame(frame, length: length, label: "frame")
    }
}
