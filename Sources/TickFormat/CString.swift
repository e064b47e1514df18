/// A fixed-width, NUL-padded ASCII string field (`char[N]` in the DBN spec), stored inline so a
/// record's memory layout is its wire layout.
///
/// At most N−1 characters fit, so at least one NUL is always present; the throwing initializer
/// rejects longer or non-ASCII text, as DBN's encoder does. Reading stops at the first NUL.
public struct CString<let N: Int>: Sendable, BitwiseCopyable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var bytes: InlineArray<N, UInt8>

    /// The empty string (all NUL).
    @inlinable public init() { bytes = .init(repeating: 0) }

    /// `text` as a C string; throws if it has N or more characters or a non-ASCII one.
    public init(validating text: String) throws(CStringError) {
        let utf8 = Array(text.utf8)
        guard utf8.count < N else { throw .tooLong(text, capacity: N - 1) }
        guard utf8.allSatisfy({ $0 < 0x80 && $0 != 0 }) else { throw .notASCII(text) }
        self.init()
        for (i, byte) in utf8.enumerated() { bytes[i] = byte }
    }

    /// For literals in code: a literal that does not fit is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(validating: value) } catch { preconditionFailure("\(error)") }
    }

    /// The text up to the first NUL. Bytes outside ASCII (which a foreign file may hold) are
    /// replaced with U+FFFD rather than trusted.
    public var string: String {
        var utf8: [UInt8] = []
        for i in 0..<N {
            let byte = bytes[i]
            if byte == 0 { break }
            utf8.append(byte)
        }
        return String(decoding: utf8, as: Unicode.ASCII.self)
    }

    public var isEmpty: Bool { bytes[0] == 0 }
    public var description: String { string }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        for i in 0..<N where lhs.bytes[i] != rhs.bytes[i] { return false }
        return true
    }
    public func hash(into hasher: inout Hasher) {
        for i in 0..<N { hasher.combine(bytes[i]) }
    }
}

public enum CStringError: Error, Equatable, CustomStringConvertible {
    case tooLong(String, capacity: Int)
    case notASCII(String)

    public var description: String {
        switch self {
        case .tooLong(let text, let capacity): "'\(text)' is longer than \(capacity) characters"
        case .notASCII(let text): "'\(text)' is not ASCII"
        }
    }
}
