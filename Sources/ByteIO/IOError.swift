import Glibc  // ComputeFeed runs on Linux (Debian); see README.

/// A failed system call on a file, with the path and the system's reason, phrased for a person:
/// "cannot write out.dbn: No space left on device".
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(_ operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var reason: String { String(cString: strerror(errno)) }
    public var description: String { "cannot \(operation) \(path): \(reason)" }
    /// The disk (or quota) is full.
    public var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}
