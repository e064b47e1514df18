public import TickFormat
import Glibc

/// Writes a venue's records into a directory of archive files, one per UTC day of `ts_recv`
/// (`DIR/<venue>/<YYYY-MM-DD>.dbn.lz4`; ARCHIVE-FORMAT.md, Files and directories).
///
/// A new day's file starts with the latest definition of every instrument seen so far, re-stamped
/// with the day's first `ts_recv`, so that every file names its own instruments.
public final class ArchiveWriter {
    public let directory: String
    public let venue: String
    public let dataset: String
    public let settings: ArchiveSettings
    @exclusivity(unchecked) private var current: ArchiveFileWriter?
    /// The current file, without reference counting on the per-record path (`current` owns it).
    @exclusivity(unchecked) private unowned(unsafe) var hot: ArchiveFileWriter
    /// What `hot` points at when there is no file: a writer that refuses every record. `dayEnd`
    /// is 0 then, so `append` opens a file first and never reaches it.
    private let refusing = ArchiveFileWriter(failed: ArchiveError(.invalidArgument, "the archive writer is closed"))
    @exclusivity(unchecked) private var currentDay: UInt64 = 0
    /// First and last-plus-one `ts_recv` of the current file's day ([0, 0) before the first file).
    @exclusivity(unchecked) private var dayStart: UInt64 = 0
    @exclusivity(unchecked) private var dayEnd: UInt64 = 0
    private var definitions: [UInt32: [UInt8]] = [:]
    @exclusivity(unchecked) private var publisherID: UInt16 = 0
    /// Files created, in order.
    public private(set) var paths: [String] = []
    /// Records written (carried definitions and gap markers included).
    @exclusivity(unchecked) public private(set) var recordsWritten: UInt64 = 0
    /// Records the writer was told it missed (`recordLoss`).
    public private(set) var recordsLost: UInt64 = 0

    static let nanosecondsPerDay: UInt64 = 86_400_000_000_000

    /// Creates `DIR/<venue>` if needed.
    public init(directory: String, venue: String, dataset: String, settings: ArchiveSettings = .init()) throws(ArchiveError) {
        guard ArchiveSettings.frameBytesRange.contains(settings.frameBytes) else {
            throw ArchiveError(.invalidArgument, "frame size \(settings.frameBytes) is outside \(ArchiveSettings.frameBytesRange)")
        }
        self.directory = directory
        self.venue = venue
        self.dataset = dataset
        self.settings = settings
        hot = refusing
        for path in [directory, "\(directory)/\(venue)"] where mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .system("create directory", path, errno: errno)
        }
    }

    /// Appends one record to the file of its `ts_recv` day.
    public func append(_ record: RecordView) throws(ArchiveError) {
        let ts = record.indexTimestamp
        // A record stamped before the current day (never, as ts_recv does not decrease) stays in it.
        if ts >= dayEnd { try rotate(to: ts) }
        if record.bytes[1] == RType.instrumentDef.rawValue { remember(record) }
        publisherID = record.header.publisherID
        try hot.append(record, indexTimestamp: ts)
        recordsWritten &+= 1
    }

    func appendToCurrent(_ record: RecordView) throws(ArchiveError) {
        try hot.append(record, indexTimestamp: record.indexTimestamp)
        recordsWritten &+= 1
    }

    /// Appends a record held in an array.
    func append(bytes: [UInt8]) throws(ArchiveError) {
        var failed: ArchiveError?
        bytes.withUnsafeBytes { raw in
            do throws(ArchiveError) { try append(RecordView(unchecked: raw)) } catch { failed = error }
        }
        if let failed { throw failed }
    }

    func appendToCurrent(bytes: [UInt8]) throws(ArchiveError) {
        var failed: ArchiveError?
        bytes.withUnsafeBytes { raw in
            do throws(ArchiveError) { try appendToCurrent(RecordView(unchecked: raw)) } catch { failed = error }
        }
        if let failed { throw failed }
    }

    func remember(_ record: RecordView) {
        definitions[record.instrumentID] = Array(record.bytes)
    }

    /// Records that `lost` records never reached the archive (a lossy subscriber lapped by the
    /// feed): an `archive_gap` SystemMsg marks the spot, and the footer lists it.
    public func recordLoss(_ lost: UInt64, tsRecv: UInt64) throws(ArchiveError) {
        recordsLost += lost
        let text = "archive_gap lost=\(lost) reason=writer_behind"
        let notice = SystemMsg(publisherID: publisherID, tsEvent: tsRecv, msg: (try? CString<303>(validating: text)) ?? CString<303>(),
                               code: .slowReaderWarning)
        try append(bytes: notice.withBytes { Array($0) })
    }

    /// Closes the current file and opens the file of `ts`'s day, starting it with the carried definitions.
    func rotate(to ts: UInt64) throws(ArchiveError) {
        try current?.close()
        current = nil
        hot = refusing
        dayEnd = 0
        currentDay = ts / Self.nanosecondsPerDay
        let path = try Self.freshPath(directory: directory, venue: venue, day: currentDay)
        let file = try ArchiveFileWriter(path: path, dataset: dataset, settings: settings)
        current = file
        hot = file
        dayStart = currentDay * Self.nanosecondsPerDay
        dayEnd = dayStart + Self.nanosecondsPerDay
        paths.append(path)
        for (_, bytes) in definitions.sorted(by: { $0.key < $1.key }) {
            var carried = bytes
            carried.withUnsafeMutableBytes { $0.storeBytes(of: ts, toByteOffset: RType.instrumentDef.tsRecvOffset!, as: UInt64.self) }
            try appendToCurrent(bytes: carried)
        }
    }

    /// `DIR/<venue>/<YYYY-MM-DD>.dbn.lz4`, or `.1`, `.2`, ... when that day already has files.
    static func freshPath(directory: String, venue: String, day: UInt64) throws(ArchiveError) -> String {
        let base = "\(directory)/\(venue)/\(ArchiveNaming.dayString(day))"
        for part in 0..<10_000 {
            let path = part == 0 ? "\(base).dbn.lz4" : "\(base).\(part).dbn.lz4"
            if access(path, F_OK) != 0 { return path }
        }
        throw ArchiveError(.io, "too many archive parts for \(base)")
    }

    /// Seals the frame in memory and syncs (the file stays open).
    public func flush() throws(ArchiveError) {
        try current?.sealFrame()
        try current?.sync()
    }

    /// Closes the current file (footer, sync). A record appended later starts a new part.
    public func close() throws(ArchiveError) {
        defer {
            current = nil
            hot = refusing
            dayEnd = 0
        }
        try current?.close()
    }


}

/// How archive files are named.
public enum ArchiveNaming {
    public static let suffix = ".dbn.lz4"

    /// `YYYY-MM-DD` of a day number since the epoch.
    public static func dayString(_ day: UInt64) -> String {
        let d = Timestamps.civilDate(daysSinceEpoch: Int64(day))
        func pad(_ v: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        return "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))"
    }

    /// The venue code of a dataset: `CF.CME.MDP3` -> `cme`.
    public static func venue(ofDataset dataset: String) -> String {
        let parts = dataset.split(separator: ".")
        return parts.count >= 2 ? parts[1].lowercased() : dataset.lowercased()
    }
}
