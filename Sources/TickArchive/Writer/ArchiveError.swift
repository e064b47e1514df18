import Glibc

/// Everything that can go wrong with an archive, phrased for the person reading one line on stderr.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The disk or quota is full (every complete frame was kept).
        case noSpace
        /// Another system-call failure (permissions, I/O).
        case io
        /// The path does not exist or is not an archive.
        case unreadable
        /// Bytes that should be a frame, index or footer are damaged.
        case damaged
        /// A bad request (unknown symbol, empty window, ...).
        case invalidArgument
    }
    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func system(_ operation: String, _ path: String, errno code: Int32, detail: String = "") -> ArchiveError {
        let kind: Kind = code == ENOSPC || code == EDQUOT ? .noSpace : code == ENOENT ? .unreadable : .io
        return ArchiveError(kind, "cannot \(operation) \(path): \(String(cString: strerror(code)))\(detail)")
    }
}
