/// Little-endian reads from one SBE block (a root block or a group entry) whose length came from
/// the wire. A field that lies past the wire block length is absent and reads as its null value,
/// so newer or older schema versions decode correctly (specs/cme-mdp3.md §3.5).
///
/// The caller has validated that `blockLength` bytes are readable at `base` (once per message);
/// the field reads themselves are unchecked loads.
public struct SBEBlock {
    public let base: UnsafeRawPointer
    public let blockLength: Int

    @inlinable public init(base: UnsafeRawPointer, blockLength: Int) {
        self.base = base
        self.blockLength = blockLength
    }

    @inlinable public func has(_ offset: Int, _ size: Int) -> Bool { offset &+ size <= blockLength }

    @inlinable public func u8(_ offset: Int, null: UInt8 = MDP3.nullUInt8) -> UInt8 {
        has(offset, 1) ? base.load(fromByteOffset: offset, as: UInt8.self) : null
    }
    @inlinable public func i8(_ offset: Int, null: Int8 = MDP3.nullInt8) -> Int8 {
        has(offset, 1) ? base.load(fromByteOffset: offset, as: Int8.self) : null
    }
    @inlinable public func u16(_ offset: Int, null: UInt16 = .max) -> UInt16 {
        has(offset, 2) ? UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : null
    }
    @inlinable public func i16(_ offset: Int, null: Int16 = .max) -> Int16 {
        has(offset, 2) ? Int16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int16.self)) : null
    }
    @inlinable public func u32(_ offset: Int, null: UInt32 = MDP3.nullUInt32) -> UInt32 {
        has(offset, 4) ? UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : null
    }
    @inlinable public func i32(_ offset: Int, null: Int32 = MDP3.nullInt32) -> Int32 {
        has(offset, 4) ? Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self)) : null
    }
    @inlinable public func u64(_ offset: Int, null: UInt64 = MDP3.nullUInt64) -> UInt64 {
        has(offset, 8) ? UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : null
    }
    @inlinable public func i64(_ offset: Int, null: Int64 = MDP3.nullPrice) -> Int64 {
        has(offset, 8) ? Int64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int64.self)) : null
    }
    /// A NUL-padded char[n] field, trailing NULs and spaces trimmed; "" when absent.
    public func string(_ offset: Int, _ size: Int) -> String {
        guard has(offset, size) else { return "" }
        var bytes = [UInt8](UnsafeRawBufferPointer(start: base + offset, count: size))
        while let last = bytes.last, last == 0 || last == 0x20 { bytes.removeLast() }
        return String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

/// Appends little-endian fields to a byte buffer; used by the encoder (simulator side).
public struct WireWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 1500) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func put<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    /// char[n], left-aligned and NUL-padded; text longer than n is cut (callers validate first).
    public mutating func chars(_ text: String, _ n: Int) {
        let utf8 = Array(text.utf8.prefix(n))
        bytes.append(contentsOf: utf8)
        zeros(n - utf8.count)
    }
    public mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, b) in raw.enumerated() { bytes[offset + i] = b }
        }
    }
}
