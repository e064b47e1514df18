/// MIRP's VInt: zigzag-mapped LEB128, signed 64-bit (specs/shfe-mirp.md §3) — protobuf's sint64.
///
/// Encoding writes the shortest form (1 to 10 bytes). Decoding accepts non-minimal forms and
/// rejects, with a reason, input that ends inside a value, a value longer than 10 bytes, and a
/// 10th byte above 0x01 (more than 64 bits).
public enum VarInt {
    public enum Failure: String, Error, Sendable, CaseIterable {
        case truncated = "varint_truncated"
        case tooLong = "varint_too_long"
        case overflow = "varint_overflow"
    }

    @inlinable public static func zigzag(_ v: Int64) -> UInt64 { (UInt64(bitPattern: v) << 1) ^ UInt64(bitPattern: v >> 63) }
    @inlinable public static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

    /// Appends the encoding of `v`.
    public static func encode(_ v: Int64, into bytes: inout [UInt8]) {
        var u = zigzag(v)
        while u >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: u) | 0x80)
            u >>= 7
        }
        bytes.append(UInt8(u))
    }

    public static func encoded(_ v: Int64) -> [UInt8] {
        var out: [UInt8] = []
        encode(v, into: &out)
        return out
    }

    /// Decodes one VInt at `offset` of `bytes`, advancing `offset` past it.
    @inlinable
    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> Result<Int64, Failure> {
        var u: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while true {
            guard i < bytes.count else { return .failure(.truncated) }
            let b = bytes[i]
            i += 1
            if shift == 63 {
                // The 10th byte holds bit 63 only.
                guard b & 0x80 == 0 else { return .failure(.tooLong) }
                guard b <= 0x01 else { return .failure(.overflow) }
            }
            u |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        offset = i
        return .success(unzigzag(u))
    }
}
