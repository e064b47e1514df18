/// How an archive writer frames and syncs.
public struct ArchiveSettings: Sendable, Equatable {
    /// When the kernel is asked to put written frames on disk (`fsync`).
    public enum SyncPolicy: Sendable, Equatable {
        /// After every frame: at most one frame is lost on power failure.
        case everyFrame
        /// At the first frame written at least this many milliseconds after the last sync.
        case interval(milliseconds: Int)
        /// Only when the file is closed (a crash of the process loses nothing; a power cut may).
        case onClose
    }

    /// Uncompressed bytes of records per frame: the unit of compression, indexing and loss. Smaller
    /// frames make queries finer and lose less on a crash; larger ones compress better.
    public var frameBytes: Int
    public var sync: SyncPolicy
    /// liblz4 frame compression level (0 = fast default; 3+ = LZ4 HC, slower to write).
    public var compressionLevel: Int32

    public init(frameBytes: Int = 1 << 20, sync: SyncPolicy = .interval(milliseconds: 1000), compressionLevel: Int32 = 0) {
        self.frameBytes = frameBytes
        self.sync = sync
        self.compressionLevel = compressionLevel
    }

    /// Parses `--fsync frame|close|MS`.
    public static func parseSync(_ text: String) -> SyncPolicy? {
        switch text {
        case "frame": return .everyFrame
        case "close": return .onClose
        default: return Int(text).flatMap { $0 > 0 ? .interval(milliseconds: $0) : nil }
        }
    }

    /// Smallest and largest frame sizes accepted.
    public static let frameBytesRange = 4096...(64 << 20)
}
