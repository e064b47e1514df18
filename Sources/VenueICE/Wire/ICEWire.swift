/// iMpact framing (specs/ice-impact.md §3–4): a 16-byte big-endian packet header, then NumOfMsgs
/// messages of `type (1) | BodyLength (2) | body`, always advanced by 3 + BodyLength.
///
/// Packet header:
///
/// | off | size | field | type |
/// |---:|---:|---|---|
/// | 0 | 2 | SessionNumber | uint16 |
/// | 2 | 4 | SequenceNumber | uint32, of the first message (heartbeat: the next one) |
/// | 6 | 2 | NumOfMsgs | uint16, 0 = heartbeat |
/// | 8 | 8 | SentDateTime | uint64 ns since the epoch |
public enum ICEWire {
    public static let headerLength = 16
    public static let messageHeaderLength = 3
    /// The largest UDP payload the simulator writes (modelled).
    public static let maxPayload = 1400
}

/// Big-endian reads from a buffer whose bounds the caller has checked once (a validated message body).
@usableFromInline struct BigEndian {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @inlinable init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable func u8(_ at: Int) -> UInt8 { bytes[at] }
    @inlinable func u16(_ at: Int) -> UInt16 { UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inlinable func i16(_ at: Int) -> Int16 { Int16(bitPattern: u16(at)) }
    @inlinable func u32(_ at: Int) -> UInt32 { UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    @inlinable func i32(_ at: Int) -> Int32 { Int32(bitPattern: u32(at)) }
    @inlinable func u64(_ at: Int) -> UInt64 { UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
    @inlinable func i64(_ at: Int) -> Int64 { Int64(bitPattern: u64(at)) }
}

/// Appends big-endian fields: how the simulator encodes messages.
public struct BigEndianWriter {
    public var bytes: [UInt8]
    public init(capacity: Int = 64) { bytes = []; bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func char(_ c: Character) { bytes.append(c.asciiValue ?? 0x20) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    /// Fixed-width Alpha, left-aligned, NUL-padded.
    public mutating func alpha(_ s: [UInt8], width: Int) {
        let b = s.prefix(width)
        bytes.append(contentsOf: b)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: width - b.count))
    }
}

/// The packet header.
public struct ICEPacketHeader: Sendable, Equatable {
    public var session: UInt16
    public var sequence: UInt32
    public var count: UInt16
    public var sentNs: UInt64

    @inlinable public init(session: UInt16, sequence: UInt32, count: UInt16, sentNs: UInt64) {
        self.session = session
        self.sequence = sequence
        self.count = count
        self.sentNs = sentNs
    }

    @inlinable public var isHeartbeat: Bool { count == 0 }

    @inlinable @inline(__always) public static func read(_ bytes: UnsafeRawBufferPointer) -> ICEPacketHeader? {
        guard bytes.count >= ICEWire.headerLength else { return nil }
        let r = BigEndian(bytes)
        return ICEPacketHeader(session: r.u16(0), sequence: r.u32(2), count: r.u16(6), sentNs: r.u64(8))
    }

    public func encode(into w: inout BigEndianWriter) {
        w.u16(session)
        w.u32(sequence)
        w.u16(count)
        w.u64(sentNs)
    }
}

/// Why a datagram was refused before arbitration (it then consumes no sequence number).
public enum ICEMalformed: String, Error, Sendable, CaseIterable {
    case shortHeader = "short_header"
    case messageOverrunsDatagram = "message_overruns_datagram"
}

/// A datagram whose framing was checked once: every one of its NumOfMsgs messages lies inside it.
public struct ICEPacketView {
    public let bytes: UnsafeRawBufferPointer
    public let header: ICEPacketHeader
    /// Bytes after the last message (ignored, counted).
    public let trailingBytes: Int

    /// A datagram that `validate` already accepted (a held or queued copy): only the header is read.
    @inlinable @inline(__always) public init(validated bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        header = ICEPacketHeader.read(bytes)!
        trailingBytes = 0
    }

    @usableFromInline init(bytes: UnsafeRawBufferPointer, header: ICEPacketHeader, trailingBytes: Int) {
        self.bytes = bytes
        self.header = header
        self.trailingBytes = trailingBytes
    }

    /// Checks the header and that all NumOfMsgs messages fit. Inlined into the handler's receive,
    /// which calls it once per datagram (out of line, the Result came back through memory). The
    /// offsets are wrapping sums: each stays below `bytes.count` + 65,538.
    @inlinable @inline(__always)
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> Result<ICEPacketView, ICEMalformed> {
        guard let header = ICEPacketHeader.read(bytes) else { return .failure(.shortHeader) }
        var at = ICEWire.headerLength
        var remaining = Int(header.count)
        while remaining > 0 {
            guard at &+ ICEWire.messageHeaderLength <= bytes.count else { return .failure(.messageOverrunsDatagram) }
            let length = Int(BigEndian(bytes).u16(at &+ 1))
            at &+= ICEWire.messageHeaderLength &+ length
            guard at <= bytes.count else { return .failure(.messageOverrunsDatagram) }
            remaining &-= 1
        }
        return .success(ICEPacketView(bytes: bytes, header: header, trailingBytes: bytes.count &- at))
    }

    /// Calls `body` with each message's type and body, in order (index 0-based). The view was
    /// validated (every message lies inside the datagram): offsets are wrapping sums and the
    /// bodies are formed without further checks.
    @inlinable public func forEachMessage(_ body: (_ index: Int, _ type: UInt8, _ body: UnsafeRawBufferPointer) -> Void) {
        let r = BigEndian(bytes), base = bytes.baseAddress!
        var at = ICEWire.headerLength
        var i = 0
        let count = Int(header.count)
        while i < count {
            let type = r.u8(at)
            let length = Int(r.u16(at &+ 1))
            let start = at &+ ICEWire.messageHeaderLength
            body(i, type, UnsafeRawBufferPointer(start: base + start, count: length))
            at = start &+ length
            i &+= 1
        }
    }
}

/// A whole packet for the encoder: header then messages (each already framed).
public enum ICEPacket {
    /// Frames one message: type, BodyLength, body.
    public static func frame(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        var w = BigEndianWriter(capacity: body.count + 3)
        w.u8(type)
        w.u16(UInt16(body.count))
        w.bytes.append(contentsOf: body)
        return w.bytes
    }

    public static func encode(session: UInt16, sequence: UInt32, sentNs: UInt64, messages: [[UInt8]]) -> [UInt8] {
        var w = BigEndianWriter(capacity: ICEWire.headerLength + messages.reduce(0) { $0 + $1.count })
        ICEPacketHeader(session: session, sequence: sequence, count: UInt16(messages.count), sentNs: sentNs).encode(into: &w)
        for m in messages { w.bytes.append(contentsOf: m) }
        return w.bytes
    }
}
