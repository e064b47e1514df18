import ArgumentParser

/// cfeed's exit codes (sysexits.h values, so scripts and service managers read them the usual way).
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 64 | usage error: an unknown flag, a bad value, a missing argument |
/// | 65 | data-quality problem: with `--strict` (skipped packets, gaps, malformed messages), or a damaged archive |
/// | 66 | input cannot be read: missing file, not a capture, not a DBN file, unsupported format |
/// | 70 | internal error (a bug: please report it) |
/// | 73 | output cannot be created |
/// | 74 | I/O error while writing (for example, a full disk) |
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case usage = 64
    case dataQuality = 65
    case unreadableInput = 66
    case internalError = 70
    case cannotCreateOutput = 73
    case ioError = 74

    public var meaning: String {
        switch self {
        case .success: "success"
        case .usage: "usage error: unknown flag, bad value, missing argument"
        case .dataQuality: "data-quality problem: found with --strict (gaps, malformed messages), or a damaged archive"
        case .unreadableInput: "input cannot be read: missing, not a capture, not DBN, unsupported format"
        case .internalError: "internal error (a bug)"
        case .cannotCreateOutput: "output cannot be created"
        case .ioError: "I/O error while writing, such as a full disk"
        }
    }
}

/// An error a user can cause, with the one line cfeed prints and the exit code it returns.
public struct CLIFailure: Error, CustomStringConvertible {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

import TickArchive

extension CLIFailure {
    /// The exit code of an archive error: 74 full disk or I/O, 66 unreadable, 65 damaged, 64 bad request.
    init(_ error: ArchiveError) {
        let status: ExitStatus = switch error.kind {
        case .noSpace, .io: .ioError
        case .unreadable: .unreadableInput
        case .damaged: .dataQuality
        case .invalidArgument: .usage
        }
        self.init(status, error.description)
    }
}
