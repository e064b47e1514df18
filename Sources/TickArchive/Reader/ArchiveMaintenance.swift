import TickFormat
import Glibc

/// `verify` and `repair` of one archive file.
public enum ArchiveMaintenance {
    public struct VerifyReport: Sendable {
        public var framesChecked = 0
        public var recordsChecked: UInt64 = 0
        /// One line per problem, each naming its file offset.
        public var problems: [String] = []
        public var isClean: Bool { problems.isEmpty }
    }

    /// Decompresses every frame (checksums), walks every record, and checks the index against
    /// the content.
    public static func verify(_ file: ArchiveFile) -> VerifyReport {
        var report = VerifyReport()
        if file.footer == nil { report.problems.append("no footer: the writer did not close the file (the index was rebuilt by scanning; `cfeed archive repair` adds one)") }
        if let torn = file.tornTail { report.problems.append("torn last frame at offset \(torn.offset) (\(torn.length) bytes): its records were never complete and are dropped") }
        for damage in file.damage { report.problems.append(damage.description) }
        let reader = FrameReader()
        for entry in file.frames {
            report.framesChecked += 1
            guard let extent = try? LZ4FrameExtent.walk(file.frameBytes(entry)).get() else {
                report.problems.append("damaged frame at offset \(entry.frameOffset): its structure does not walk")
                continue
            }
            switch ArchiveScan.rebuildEntry(file.bytes, offset: Int(entry.frameOffset), extent: extent, reader: reader) {
            case .failure(let error):
                report.problems.append(error.description.hasPrefix("frame") || error.description.contains("offset")
                                       ? "damaged frame at offset \(entry.frameOffset): \(error)" : "\(error)")
            case .success(var actual):
                report.recordsChecked += UInt64(actual.recordCount)
                actual.flags = entry.flags
                if actual != entry {
                    report.problems.append("index entry of the frame at offset \(entry.frameOffset) disagrees with its content")
                }
            }
            // The index entry written after the frame (what a scan relies on when the footer is gone).
            let at = Int(entry.frameOffset) + Int(entry.frameLength)
            let standalone = at < file.size ? LZ4FrameExtent.walk(UnsafeRawBufferPointer(rebasing: file.bytes[at...])) : .failure(.truncated)
            guard case .success(let extent) = standalone, case .skippable(let magic) = extent.kind, magic == LZ4Magic.indexEntry,
                  let copy = try? FrameIndexEntry.decode(UnsafeRawBufferPointer(rebasing: file.bytes[(at + 8)..<(at + extent.length)])),
                  copy == entry else {
                report.problems.append("index entry at offset \(at), after the frame at offset \(entry.frameOffset), is missing or damaged")
                continue
            }
        }
        return report
    }

    public struct RepairReport: Sendable {
        public var framesKept = 0
        public var recordsKept: UInt64 = 0
        public var framesDropped: [String] = []
        public var tornBytesDropped = 0
        public var alreadyClean = false
    }

    /// Rewrites the file's complete, undamaged frames (their compressed bytes unchanged) with
    /// fresh index entries and a footer, into a temporary file that replaces the original once
    /// synced. Damaged frames in the middle stop the repair unless `skipCorrupt`.
    public static func repair(path: String, skipCorrupt: Bool) throws(ArchiveError) -> RepairReport {
        let file = try ArchiveFile(path: path)
        var report = RepairReport()
        let check = verify(file)
        if check.isClean {
            report.alreadyClean = true
            report.framesKept = file.frames.count
            report.recordsKept = file.recordCount
            return report
        }
        if !skipCorrupt, let first = file.damage.first {
            throw ArchiveError(.damaged, "\(path): \(first) (use --skip-corrupt to drop it)")
        }
        report.framesDropped = file.damage.map(\.description)
        report.tornBytesDropped = file.tornTail?.length ?? 0

        let temporary = path + ".repair"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", temporary, errno: errno) }
        var finished = false
        defer {
            close(fd)
            if !finished { unlink(temporary) }
        }
        var offset: UInt64 = 0
        var kept: [FrameIndexEntry] = []
        var ledger = ArchiveLedger()
        let reader = FrameReader()
        func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .system("write", temporary, errno: errno)
                }
                done += n
            }
            offset += UInt64(bytes.count)
        }
        func write(_ bytes: [UInt8]) throws(ArchiveError) {
            var failed: ArchiveError?
            bytes.withUnsafeBytes { raw in
                do throws(ArchiveError) { try write(raw) } catch { failed = error }
            }
            if let failed { throw failed }
        }
        for entry in file.frames {
            let frame = file.frameBytes(entry)
            let rebuilt = LZ4FrameExtent.walk(frame).mapError { _ in ArchiveError(.damaged, "structure does not walk") }.flatMap {
                ArchiveScan.rebuildEntry(file.bytes, offset: Int(entry.frameOffset), extent: $0, reader: reader)
            }
            guard case .success(var fresh) = rebuilt else {
                let reason = "damaged frame at offset \(entry.frameOffset)"
                guard skipCorrupt, entry.frameOffset != 0 else {
                    throw ArchiveError(.damaged, "\(path): \(reason)" + (entry.frameOffset == 0 ? ": it holds the DBN header; the file cannot be repaired" : " (use --skip-corrupt to drop it)"))
                }
                report.framesDropped.append(reason)
                continue
            }
            try reader.forEachRecord(of: entry, in: file) { ledger.observe($0) }
            fresh.frameOffset = offset
            try write(frame)
            try write(fresh.encodedFrame())
            kept.append(fresh)
            report.framesKept += 1
            report.recordsKept += UInt64(fresh.recordCount)
        }
        guard !kept.isEmpty, kept[0].metadataLength > 0 else {
            throw ArchiveError(.damaged, "\(path): no frame with the DBN header survives; the file cannot be repaired")
        }
        let dataset = (try? file.metadata().dataset) ?? ""
        try write(ArchiveFooter(dataset: dataset, frames: kept, ledger: ledger).encodedFrame(at: offset))
        guard fsync(fd) == 0 else { throw .system("sync", temporary, errno: errno) }
        guard rename(temporary, path) == 0 else { throw .system("replace", path, errno: errno) }
        finished = true
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dirFD = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
        return report
    }
}
