/// Appends little-endian integers and bytes: how index entries and footers are built.
struct LittleEndianWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }
    /// Appends the xxHash32 of everything written so far.
    mutating func checksum() { u32(XXHash32.hash(bytes)) }
}

/// Reads little-endian integers with a bounds check on every read: the archive's structures come
/// from disk and may be damaged.
struct LittleEndianReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    struct Overrun: Error {}

    var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws(Overrun) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw Overrun() }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }
    mutating func u8() throws(Overrun) -> UInt8 { try take(1)[0] }
    mutating func u16() throws(Overrun) -> UInt16 { try take(2).loadUnaligned(as: UInt16.self) }
    mutating func u32() throws(Overrun) -> UInt32 { try take(4).loadUnaligned(as: UInt32.self) }
    mutating func u64() throws(Overrun) -> UInt64 { try take(8).loadUnaligned(as: UInt64.self) }
}
