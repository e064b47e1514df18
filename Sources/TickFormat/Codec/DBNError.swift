/// Why a DBN stream could not be read. Every case names the byte offset in the stream where the
/// problem starts, so an operator can find it with `xxd -s OFFSET`.
public enum DBNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stream does not start with "DBN".
    case badMagic(offset: Int)
    /// A version other than 3 (0 is the legacy DBZ format; 1 and 2 need upgrading first).
    case unsupportedVersion(UInt8, offset: Int)
    /// The stream ends inside the metadata header.
    case truncatedMetadata(offset: Int, needed: Int, available: Int)
    /// The metadata header is internally inconsistent (bad length, counts that overrun it, ...).
    case invalidMetadata(String, offset: Int)
    /// The stream ends inside a record.
    case truncatedRecord(offset: Int, length: Int, available: Int)
    /// A record header's length is smaller than the header itself, or than its rtype's struct.
    case recordTooShort(offset: Int, length: Int, minimum: Int)
    /// An rtype that DBN does not define (Databento's decoders reject these too).
    case unknownRType(UInt8, offset: Int)

    public var offset: Int {
        switch self {
        case .badMagic(let o), .unsupportedVersion(_, let o), .truncatedMetadata(let o, _, _),
             .invalidMetadata(_, let o), .truncatedRecord(let o, _, _), .recordTooShort(let o, _, _),
             .unknownRType(_, let o):
            o
        }
    }

    public var description: String {
        switch self {
        case .badMagic(let o):
            "not a DBN stream: no \"DBN\" magic at byte \(o)"
        case .unsupportedVersion(let v, let o):
            "unsupported DBN version \(v) at byte \(o): only version \(dbnVersion) is read"
                + (v < dbnVersion ? " (upgrade older files with Databento's tools first)" : "")
        case .truncatedMetadata(let o, let needed, let available):
            "truncated DBN metadata at byte \(o): needs \(needed) bytes, \(available) available"
        case .invalidMetadata(let why, let o):
            "invalid DBN metadata at byte \(o): \(why)"
        case .truncatedRecord(let o, let length, let available):
            "truncated DBN record at byte \(o): length \(length), only \(available) bytes follow"
        case .recordTooShort(let o, let length, let minimum):
            "DBN record at byte \(o) has length \(length) bytes, less than the \(minimum) its type needs"
        case .unknownRType(let r, let o):
            "unknown DBN rtype 0x\(String(r, radix: 16)) at byte \(o)"
        }
    }
}
