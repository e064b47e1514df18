public import TickFormat

/// Runs an `ArchiveQuery` over a directory. The index decides which frames to decompress (time
/// range, rtypes, instruments), so a query costs what it selects, not the archive's size; the
/// records of several files come out merged in `ts_recv` order.
public final class QueryEngine {
    public let query: ArchiveQuery
    public let files: [ArchiveFile]
    /// Instrument ids of the requested symbols (nil: all).
    public let instrumentIDs: Set<UInt32>?
    /// id -> raw symbol, from every file of the venue.
    public let symbols: [UInt32: String]
    /// Frames the index selected, and the frames of the venue in all.
    public let selectedFrames: Int
    public let totalFrames: Int
    /// Damaged frames skipped (with `skipCorrupt`), with the reason.
    public private(set) var skipped: [String] = []
    private let plan: [[FrameIndexEntry]]

    /// Opens the venue's files and plans the query. Unknown symbols, a missing directory or venue,
    /// and an empty window are errors with one clear line.
    public init(directory: String, query: ArchiveQuery) throws(ArchiveError) {
        self.query = query
        guard ArchiveCatalog.isDirectory(directory) else {
            throw ArchiveError(.unreadable, "archive directory \(directory) does not exist")
        }
        guard query.start < query.end else {
            throw ArchiveError(.invalidArgument, "the start (\(query.start)) must be before the end (\(query.end))")
        }
        let paths = try ArchiveCatalog.files(in: directory, venue: query.venue)
        guard !paths.isEmpty else {
            let venues = (try? ArchiveCatalog.venues(in: directory)) ?? []
            throw ArchiveError(.invalidArgument, "no archive for venue '\(query.venue)' in \(directory)"
                + (venues.isEmpty ? " (it holds no archive)" : " (venues: \(venues.joined(separator: ", ")))"))
        }
        var opened: [ArchiveFile] = []
        for path in paths { opened.append(try ArchiveFile(path: path)) }
        var symbols: [UInt32: String] = [:]
        for file in opened {
            if !query.skipCorrupt { try file.refuseDamage() }
            for (id, symbol) in try file.ledger(skipDamaged: query.skipCorrupt).symbols { symbols[id] = symbol }
        }
        self.symbols = symbols
        if let wanted = query.symbols {
            let known = Set(symbols.values)
            if let unknown = wanted.first(where: { !known.contains($0) }) {
                throw ArchiveError(.invalidArgument, "unknown symbol '\(unknown)' for venue \(query.venue) (known: \(known.sorted().joined(separator: ", ")))")
            }
            instrumentIDs = Set(symbols.filter { wanted.contains($0.value) }.keys)
        } else {
            instrumentIDs = nil
        }
        files = opened
        let rtypes = query.storedRTypes
        let ids = instrumentIDs
        var plan: [[FrameIndexEntry]] = []
        var total = 0
        for file in opened {
            total += file.frames.count
            plan.append(file.frames.filter { entry in
                entry.overlaps(start: query.start, end: query.end) && entry.rtypes.intersects(rtypes)
                    && (ids.map { entry.holdsAny(of: $0) || (query.notices && entry.holdsNotices) } ?? true)
            })
        }
        self.plan = plan
        selectedFrames = plan.reduce(0) { $0 + $1.count }
        totalFrames = total
    }

    /// Calls `body` with every result in order, up to the limit; `progress` sees (frames read,
    /// frames selected). Returns the number of results.
    @discardableResult
    public func run(progress: ((Int, Int) -> Void)? = nil, _ body: (RecordView) throws -> Void) throws(ArchiveError) -> Int {
        var emitted = 0
        let limit = query.limit ?? .max
        guard limit > 0 else { return 0 }
        func deliver(_ record: RecordView) throws(ArchiveError) -> Bool {
            do { try body(record) } catch let error as ArchiveError { throw error } catch { throw ArchiveError(.io, "\(error)") }
            emitted += 1
            return emitted < limit
        }
        if query.definitionsInEffect {
            for bytes in try definitionsBeforeStart() {
                var more = true
                try withRecord(bytes) { (r) throws(ArchiveError) in more = try deliver(r) }
                if !more { return emitted }
            }
        }
        switch query.output {
        case .records, .everything:
            try merge(progress: progress) { (record) throws(ArchiveError) -> Bool in try deliver(record) }
        case .ohlcv(_, let interval, let rtype):
            var bars = OhlcvBuilder(interval: interval, rtype: rtype)
            try merge(progress: progress) { (record) throws(ArchiveError) -> Bool in
                if let trade = record.as(TradeMsg.self) { bars.add(trade) }
                return true
            }
            for bar in bars.finish() {
                var more = true
                bar.withBytes { bytes in
                    do throws(ArchiveError) { more = try deliver(RecordView(unchecked: bytes)) } catch { failure = error }
                }
                if let failure { throw failure }
                if !more { break }
            }
        }
        return emitted
    }
    private var failure: ArchiveError?

    private func withRecord(_ bytes: [UInt8], _ body: (RecordView) throws(ArchiveError) -> Void) throws(ArchiveError) {
        var failed: ArchiveError?
        bytes.withUnsafeBytes { raw in
            do throws(ArchiveError) { try body(RecordView(unchecked: raw)) } catch { failed = error }
        }
        if let failed { throw failed }
    }

    /// The selected records of every file, merged by `ts_recv` (ties: earlier file first).
    /// `body` returns false to stop.
    private func merge(progress: ((Int, Int) -> Void)?, _ body: (RecordView) throws(ArchiveError) -> Bool) throws(ArchiveError) {
        let rtypes = query.storedRTypes
        let ids = instrumentIDs
        let start = query.start, end = query.end
        let notices = query.notices
        var cursors: [FrameCursor] = []
        for (i, file) in files.enumerated() where !plan[i].isEmpty {
            cursors.append(FrameCursor(file: file, frames: plan[i]))
        }
        var framesRead = 0
        let selected = selectedFrames
        @inline(__always) func wanted(_ record: RecordView) -> Bool {
            let r = record.bytes[1]
            guard rtypes.contains(r) else { return false }
            let ts = record.indexTimestamp
            guard ts >= start && ts < end else { return false }
            guard let ids else { return true }
            let id = record.instrumentID
            return ids.contains(id) || (notices && r == RType.system.rawValue && id == 0)
        }
        func advance(_ c: FrameCursor) throws(ArchiveError) {
            while true {
                if c.nextRecord() { return }
                guard c.nextFrame < c.frames.count else { c.exhausted = true; return }
                do {
                    try c.load()
                } catch {
                    guard query.skipCorrupt, error.kind == .damaged else { throw error }
                    skipped.append(error.description)
                }
                framesRead += 1
                progress?(framesRead, selected)
            }
        }
        for c in cursors { try advance(c) }
        var active = cursors.filter { !$0.exhausted }
        while !active.isEmpty {
            // The cursor whose record comes first (ties: the earlier file), and the next one after it.
            var best = 0
            var bestTs = active[0].current.indexTimestamp
            for i in 1..<active.count where active[i].current.indexTimestamp < bestTs {
                best = i
                bestTs = active[i].current.indexTimestamp
            }
            var bound = UInt64.max, boundIndex = Int.max
            for i in active.indices where i != best && active[i].current.indexTimestamp < bound {
                bound = active[i].current.indexTimestamp
                boundIndex = i
            }
            // Stay on that cursor while it stays first: one file at a time costs no comparison.
            let c = active[best]
            repeat {
                if wanted(c.current), !(try body(c.current)) { return }
                try advance(c)
            } while !c.exhausted && (c.current.indexTimestamp < bound || (c.current.indexTimestamp == bound && best < boundIndex))
            if c.exhausted { active.remove(at: best) }
        }
    }

    /// The latest definition of each selected instrument with `ts_recv` before the window.
    private func definitionsBeforeStart() throws(ArchiveError) -> [[UInt8]] {
        var latest: [UInt32: [UInt8]] = [:]
        let reader = FrameReader()
        for file in files {
            for entry in file.frames where entry.firstTsRecv < query.start && entry.rtypes.contains(RType.instrumentDef.rawValue) {
                do {
                    try reader.forEachRecord(of: entry, in: file) { record in
                        guard record.rtype == .instrumentDef, record.indexTimestamp < query.start,
                              instrumentIDs?.contains(record.instrumentID) ?? true else { return }
                        latest[record.instrumentID] = Array(record.bytes)
                    }
                } catch {
                    guard query.skipCorrupt, error.kind == .damaged else { throw error }
                    skipped.append(error.description)
                }
            }
        }
        return latest.sorted { $0.key < $1.key }.map(\.value)
    }
}

/// Walks the records of a file's selected frames, one frame decompressed at a time.
final class FrameCursor {
    let file: ArchiveFile
    let frames: [FrameIndexEntry]
    let reader = FrameReader()
    var nextFrame = 0
    var content = UnsafeRawBufferPointer(start: nil, count: 0)
    var position = 0
    var current = RecordView(unchecked: UnsafeRawBufferPointer(start: nil, count: 0))
    var exhausted = false

    init(file: ArchiveFile, frames: [FrameIndexEntry]) {
        self.file = file
        self.frames = frames
    }

    func load() throws(ArchiveError) {
        let entry = frames[nextFrame]
        nextFrame += 1
        content = UnsafeRawBufferPointer(start: nil, count: 0)
        position = 0
        content = try reader.content(of: entry, in: file)
    }

    /// Moves `current` to the next record of the loaded frame; false at its end.
    @inline(__always) func nextRecord() -> Bool {
        guard position < content.count else { return false }
        let length = Int(content[position]) &* 4
        guard length >= 16, position + length <= content.count else {
            position = content.count  // a record that overruns its frame: the checksum passed, so a writer bug
            return false
        }
        current = RecordView(unchecked: UnsafeRawBufferPointer(rebasing: content[position..<(position + length)]))
        position += length
        return true
    }
}
