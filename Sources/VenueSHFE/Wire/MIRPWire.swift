/// MIRP multicast packets (specs/shfe-mirp.md §4): a 24-byte little-endian header, then `Length`
/// bytes of TLV fields whose bodies are VInts.
///
/// | off | size | field | type |
/// |---:|---:|---|---|
/// | 0 | 1 | Flag (low nibble: version 1) | u8 |
/// | 1 | 1 | TypeID: 0 heartbeat, 1 incremental | u8 |
/// | 2 | 2 | Length: bytes after the header | u16 |
/// | 4 | 4 | PacketNo | i32 |
/// | 8 | 2 | TopicID | i16 |
/// | 10 | 2 | SnapMillisec | u16 |
/// | 12 | 4 | SnapNo | i32 |
/// | 16 | 4 | SnapTime: seconds since the epoch (UTC) | u32 |
/// | 20 | 2 | CommPhaseNo: days from 1980-01-01 to the trading day, + 1 | u16 |
/// | 22 | 1 | CenterChangeNo | i8 |
/// | 23 | 1 | reserved | i8 |
public struct MIRPHeader: Sendable, Equatable {
    public static let length = 24
    public static let heartbeat: UInt8 = 0x00
    public static let incremental: UInt8 = 0x01

    public var flag: UInt8 = 0x01
    public var typeID: UInt8 = MIRPHeader.incremental
    public var length: UInt16 = 0
    public var packetNo: Int32 = 0
    public var topicID: Int16 = 0
    public var snapMillisec: UInt16 = 0
    public var snapNo: Int32 = 0
    public var snapTime: UInt32 = 0
    public var commPhaseNo: UInt16 = 0
    public var centerChangeNo: Int8 = 0

    public init() {}

    public var isHeartbeat: Bool { typeID == Self.heartbeat }

    /// The packet's exchange time in ns since the epoch (modelled: SnapTime + SnapMillisec).
    public var eventTimeNs: UInt64 { UInt64(snapTime) * 1_000_000_000 + UInt64(snapMillisec) * 1_000_000 }

    @inlinable @inline(__always) public static func read(_ b: UnsafeRawBufferPointer) -> MIRPHeader? {
        guard b.count >= length else { return nil }
        var h = MIRPHeader()
        h.flag = b[0]
        h.typeID = b[1]
        h.length = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        h.packetNo = Int32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: Int32.self))
        h.topicID = Int16(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: Int16.self))
        h.snapMillisec = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        h.snapNo = Int32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: Int32.self))
        h.snapTime = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        h.commPhaseNo = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
        h.centerChangeNo = Int8(bitPattern: b[22])
        return h
    }

    public func encode(into out: inout [UInt8]) {
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out.append(flag)
        out.append(typeID)
        le(length)
        le(packetNo)
        le(topicID)
        le(snapMillisec)
        le(snapNo)
        le(snapTime)
        le(commPhaseNo)
        out.append(UInt8(bitPattern: centerChangeNo))
        out.append(0)
    }

    /// CommPhaseNo of a trading day given as days since the Unix epoch (modelled formula).
    public static func commPhaseNo(daysSinceEpoch days: Int64) -> UInt16 { UInt16(clamping: days - 3652 + 1) }
}

/// MIRP field ids (specs/shfe-mirp.md §5).
public enum MIRPField {
    public static let contractHeader: Int16 = 0x0003
    public static let centreSwitch: Int16 = 0x0032
    public static let priceChange: Int16 = 0x1001
    public static let tradeSummary: Int16 = 0x1002
    public static let highestPrice: Int16 = 0x1011
    public static let lowestPrice: Int16 = 0x1012
    public static let openPrice: Int16 = 0x1013
    public static let closePrice: Int16 = 0x1014
    public static let upperLimitPrice: Int16 = 0x1015
    public static let lowerLimitPrice: Int16 = 0x1016
    public static let settlementPrice: Int16 = 0x1017
    public static let currentDelta: Int16 = 0x1018
}

/// Why a datagram is dropped (it is counted, and its PacketNo is not marked received).
public enum MIRPMalformed: String, Error, Sendable, CaseIterable {
    case shortHeader = "short_header"
    case lengthMismatch = "length_mismatch"
    case badVersion = "bad_version"
    case unknownType = "unknown_type"
    case fieldOverrunsPacket = "field_overruns_packet"
    case badFieldBody = "bad_field_body"
    case varintTruncated = "varint_truncated"
    case varintTooLong = "varint_too_long"
    case varintOverflow = "varint_overflow"
}

/// One decoded field.
public enum MIRPFieldValue: Sendable, Equatable {
    case contractHeader(instrumentNo: Int64, changeNo: Int64)
    /// EventType `'1'` add / `'2'` modify / `'3'` delete; Side `'0'` bid / `'1'` ask.
    case priceChange(eventType: UInt8, side: UInt8, level: Int64, priceOffset: Int64, volume: Int64)
    case tradeSummary(lastPriceOffset: Int64, volumeChange: Int64, turnoverChangeFen: Int64, openInterestChange: Int64)
    /// 0x1011…0x1017: the FieldID and the tick offset.
    case price(field: Int16, offset: Int64)
    /// 0x1018: raw f64 bits (options only; never sent here).
    case currentDelta(bits: UInt64)
    /// 0x0032: fixed width.
    case centreSwitch(changeNo: Int8, snapNo: Int32, packetNo: Int32)
    case unknown(field: Int16)

    public var fieldID: Int16 {
        switch self {
        case .contractHeader: MIRPField.contractHeader
        case .priceChange: MIRPField.priceChange
        case .tradeSummary: MIRPField.tradeSummary
        case .price(let f, _): f
        case .currentDelta: MIRPField.currentDelta
        case .centreSwitch: MIRPField.centreSwitch
        case .unknown(let f): f
        }
    }

    /// Decodes one field body. Every VInt must fit the body, and the body must hold nothing after
    /// the last one (§4.3).
    public static func decode(field: Int16, body: UnsafeRawBufferPointer) -> Result<MIRPFieldValue, MIRPMalformed> {
        do throws(MIRPMalformed) {
            return .success(try decoded(field: field, body: body))
        } catch {
            return .failure(error)
        }
    }

    /// `decode` with typed throws (no boxing), reading through a `MIRPBodyReader`.
    @inline(__always)
    static func decoded(field: Int16, body: UnsafeRawBufferPointer) throws(MIRPMalformed) -> MIRPFieldValue {
        var r = MIRPBodyReader(body: body)
        switch field {
        case MIRPField.contractHeader:
            let no = try r.vint(), change = try r.vint()
            return try r.finish(.contractHeader(instrumentNo: no, changeNo: change))
        case MIRPField.priceChange:
            guard body.count >= 2 else { throw .badFieldBody }
            let event = body[0], side = body[1]
            r.at = 2
            let level = try r.vint(), offset = try r.vint(), volume = try r.vint()
            return try r.finish(.priceChange(eventType: event, side: side, level: level, priceOffset: offset, volume: volume))
        case MIRPField.tradeSummary:
            let last = try r.vint(), volume = try r.vint(), turnover = try r.vint(), oi = try r.vint()
            return try r.finish(.tradeSummary(lastPriceOffset: last, volumeChange: volume, turnoverChangeFen: turnover, openInterestChange: oi))
        case MIRPField.highestPrice...MIRPField.settlementPrice:
            let offset = try r.vint()
            return try r.finish(.price(field: field, offset: offset))
        case MIRPField.currentDelta:
            guard body.count == 8 else { throw .badFieldBody }
            return .currentDelta(bits: UInt64(littleEndian: body.loadUnaligned(as: UInt64.self)))
        case MIRPField.centreSwitch:
            guard body.count == 9 else { throw .badFieldBody }
            return .centreSwitch(changeNo: Int8(bitPattern: body[0]),
                                 snapNo: Int32(littleEndian: body.loadUnaligned(fromByteOffset: 1, as: Int32.self)),
                                 packetNo: Int32(littleEndian: body.loadUnaligned(fromByteOffset: 5, as: Int32.self)))
        default:
            return .unknown(field: field)
        }
    }

    /// The field with its 4-byte header (nil for `unknown`).
    public var encoded: [UInt8]? {
        var body: [UInt8] = []
        switch self {
        case .contractHeader(let no, let change):
            VarInt.encode(no, into: &body)
            VarInt.encode(change, into: &body)
        case .priceChange(let event, let side, let level, let offset, let volume):
            body = [event, side]
            for v in [level, offset, volume] { VarInt.encode(v, into: &body) }
        case .tradeSummary(let last, let volume, let turnover, let oi):
            for v in [last, volume, turnover, oi] { VarInt.encode(v, into: &body) }
        case .price(_, let offset):
            VarInt.encode(offset, into: &body)
        case .currentDelta(let bits):
            withUnsafeBytes(of: bits.littleEndian) { body.append(contentsOf: $0) }
        case .centreSwitch(let change, let snap, let packet):
            body.append(UInt8(bitPattern: change))
            withUnsafeBytes(of: snap.littleEndian) { body.append(contentsOf: $0) }
            withUnsafeBytes(of: packet.littleEndian) { body.append(contentsOf: $0) }
        case .unknown:
            return nil
        }
        var out: [UInt8] = []
        withUnsafeBytes(of: fieldID.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: Int16(body.count).littleEndian) { out.append(contentsOf: $0) }
        return out + body
    }
}

/// Reads the VInts of one field body in order (a struct, not captured locals: no dynamic
/// exclusivity checks). One- and two-byte VInts, the usual cases, take a fast path.
struct MIRPBodyReader {
    let body: UnsafeRawBufferPointer
    var at = 0

    @inline(__always)
    mutating func vint() throws(MIRPMalformed) -> Int64 {
        if at < body.count {
            let b = body[at]
            if b < 0x80 {
                at &+= 1
                return VarInt.unzigzag(UInt64(b))
            }
            if at &+ 1 < body.count {
                let b1 = body[at &+ 1]
                if b1 < 0x80 {
                    at &+= 2
                    return VarInt.unzigzag(UInt64(b & 0x7F) | UInt64(b1) &<< 7)
                }
            }
        }
        switch VarInt.decode(body, at: &at) {
        case .success(let v): return v
        case .failure(.truncated): throw .varintTruncated
        case .failure(.tooLong): throw .varintTooLong
        case .failure(.overflow): throw .varintOverflow
        }
    }

    /// The body must hold nothing after the last VInt (§4.3).
    @inline(__always)
    func finish(_ value: MIRPFieldValue) throws(MIRPMalformed) -> MIRPFieldValue {
        guard at == body.count else { throw .badFieldBody }
        return value
    }
}

/// A datagram checked once: version, type, exact length, and every field inside the packet with a
/// well-formed body (§4.1, §4.3). Validation decodes nothing it does not have to: a field body of
/// at most 8 VInt bytes is checked by counting its terminating bytes in one 64-bit word, and only a
/// longer or a failing body goes through the full decoder (which also names the reason). The
/// fields are decoded once, where they are applied (`fields`).
public struct MIRPPacketView {
    public let bytes: UnsafeRawBufferPointer
    public let header: MIRPHeader

    /// A datagram that `validate` accepted (now or when it was received).
    init(validated bytes: UnsafeRawBufferPointer, header: MIRPHeader) {
        self.bytes = bytes
        self.header = header
    }

    public static func validate(_ bytes: UnsafeRawBufferPointer) -> Result<MIRPPacketView, MIRPMalformed> {
        guard let header = MIRPHeader.read(bytes) else { return .failure(.shortHeader) }
        if let why = malformation(of: bytes, header: header) { return .failure(why) }
        return .success(MIRPPacketView(validated: bytes, header: header))
    }

    /// Why a datagram whose header the caller has read already (`MIRPHeader.read(bytes)`) is
    /// malformed; nil when it is valid (`validate` without building the view).
    @inline(__always)
    public static func malformation(of bytes: UnsafeRawBufferPointer, header: MIRPHeader) -> MIRPMalformed? {
        guard header.flag & 0x0F == 1 else { return .badVersion }
        guard header.typeID == MIRPHeader.heartbeat || header.typeID == MIRPHeader.incremental else { return .unknownType }
        guard bytes.count == MIRPHeader.length + Int(header.length) else { return .lengthMismatch }
        var at = MIRPHeader.length
        let end = bytes.count
        while at < end {
            guard at &+ 4 <= end else { return .fieldOverrunsPacket }
            let field = Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self))
            let size = Int(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at &+ 2, as: Int16.self)))
            let bodyStart = at &+ 4, bodyEnd = at &+ 4 &+ size
            guard size >= 0, bodyEnd <= end else { return .fieldOverrunsPacket }
            if !bodyIsSurelyWellFormed(field: field, bytes, from: bodyStart, to: bodyEnd) {
                // Long, or malformed: the full decoder decides, and names the reason.
                if case .failure(let why) = MIRPFieldValue.decode(field: field, body: UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<bodyEnd])) {
                    return why
                }
            }
            at = bodyEnd
        }
        return nil
    }

    /// True when the body `bytes[start..<end]` of a field is well-formed as `MIRPFieldValue.decode`
    /// would find it; false when that needs the full decoder (a body longer than the fast check
    /// covers, or a malformed one). Fixed-width bodies are checked by size.
    @inline(__always)
    static func bodyIsSurelyWellFormed(field: Int16, _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        switch field {
        case MIRPField.contractHeader: holdsExactly(2, varintsIn: bytes, from: start, to: end)
        case MIRPField.priceChange: end &- start >= 2 && holdsExactly(3, varintsIn: bytes, from: start &+ 2, to: end)
        case MIRPField.tradeSummary: holdsExactly(4, varintsIn: bytes, from: start, to: end)
        case MIRPField.highestPrice...MIRPField.settlementPrice: holdsExactly(1, varintsIn: bytes, from: start, to: end)
        case MIRPField.currentDelta: end &- start == 8
        case MIRPField.centreSwitch: end &- start == 9
        default: true  // unknown fields are skipped whole
        }
    }

    /// Whether `bytes[start..<end]`, at most 8 bytes, is exactly `count` VInts. A VInt ends at its
    /// first byte below 0x80, so a run of bytes is a whole number of VInts when its last byte is
    /// below 0x80, and that number is the count of such bytes. Fewer than 10 bytes cannot hold an
    /// over-long or overflowing VInt. The run is read as the 8-byte word that ends at `end` (the
    /// 24-byte header before any body makes that load safe) shifted down past the earlier bytes.
    @inline(__always)
    static func holdsExactly(_ count: Int, varintsIn bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        let n = end &- start
        guard n >= count, n <= 8, end >= 8 else { return false }
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: end &- 8, as: UInt64.self)) &>> UInt64(64 &- 8 &* n)
        let continuation = (word & 0x8080_8080_8080_8080) &>> 7  // 1 in each byte that does not end a VInt
        // The sum of the bytes (at most 8) lands in the top byte of the product (no popcnt needed).
        let continuing = Int((continuation &* 0x0101_0101_0101_0101) &>> 56)
        return continuation &>> UInt64(8 &* n &- 8) == 0 && n &- continuing == count
    }

    /// The fields in order, each decoded once.
    public var fields: MIRPFieldCursor { MIRPFieldCursor(bytes: bytes) }

    /// Calls `body` with each field, decoded.
    public func forEachField(_ body: (MIRPFieldValue) -> Void) {
        var cursor = fields
        while let field = cursor.next() { body(field) }
    }
}

/// Decodes the fields of a validated datagram one by one. Inlined where it is used, so the
/// `MIRPFieldValue` it returns is taken apart in registers by the caller's switch.
public struct MIRPFieldCursor {
    let bytes: UnsafeRawBufferPointer
    var at = MIRPHeader.length

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inline(__always)
    public mutating func next() -> MIRPFieldValue? {
        while at &+ 4 <= bytes.count {
            let field = Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self))
            let size = Int(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at &+ 2, as: Int16.self)))
            let body = UnsafeRawBufferPointer(rebasing: bytes[(at &+ 4)..<(at &+ 4 &+ size)])
            at &+= 4 &+ size
            // Validation proved every body decodes; `try?` only satisfies the type.
            if let value = try? MIRPFieldValue.decoded(field: field, body: body) { return value }
        }
        return nil
    }
}

/// Builds whole MIRP packets (the simulator's encoder).
public enum MIRPPacket {
    public static func encode(_ header: MIRPHeader, fields: [MIRPFieldValue]) -> [UInt8] {
        let body = fields.compactMap(\.encoded).flatMap { $0 }
        var h = header
        h.length = UInt16(body.count)
        var out: [UInt8] = []
        out.reserveCapacity(MIRPHeader.length + body.count)
        h.encode(into: &out)
        return out + body
    }
}
