/// MDQP, the SHFE-style TCP query service (specs/shfe-mirp.md §11): an 8-byte little-endian header,
/// then `Length` bytes of TLV fields whose bodies are fixed-width binary structs.
///
/// | off | size | field | type |
/// |---:|---:|---|---|
/// | 0 | 1 | Flag: version 1 in the low nibble, 0x10 = EndOfMsg (only 0x01 and 0x11 are valid) | u8 |
/// | 1 | 1 | TypeID (§11.2) | u8 |
/// | 2 | 2 | Length of the payload | u16 |
/// | 4 | 4 | RequestID, echoed in every message of the response (0 for heartbeats) | i32 |
public struct MDQPHeader: Sendable, Equatable {
    public static let length = 8
    public var endOfMessage: Bool
    public var typeID: UInt8
    public var length: UInt16
    public var requestID: Int32

    public init(endOfMessage: Bool = false, typeID: UInt8, length: UInt16 = 0, requestID: Int32) {
        self.endOfMessage = endOfMessage
        self.typeID = typeID
        self.length = length
        self.requestID = requestID
    }
}

/// MDQP message types.
public enum MDQPType {
    public static let heartbeat: UInt8 = 0x00
    public static let loginRequest: UInt8 = 0x11
    public static let loginResponse: UInt8 = 0x12
    public static let snapshotRequest: UInt8 = 0x31
    public static let snapshotResponse: UInt8 = 0x32
    public static let retransmissionRequest: UInt8 = 0x33
    public static let retransmissionResponse: UInt8 = 0x34
}

/// Why a message cannot be read: the connection is then unusable (a clear error, and recovery
/// falls back as the protocol says).
public enum MDQPMalformed: String, Error, Sendable {
    case badFlag = "bad_flag"
    case fieldOverrunsMessage = "field_overruns_message"
    case badFieldSize = "bad_field_size"
}

/// One MDQP field, decoded (MDQP field ids mean something else than MIRP's: read them only here).
public enum MDQPField: Sendable, Equatable {
    /// 0x0000: one complete MIRP packet, as multicast.
    case wrappedPacket([UInt8])
    /// 0x0001 RspInfo.
    case rspInfo(errorID: Int32, message: String)
    /// 0x0002 Login request.
    case loginRequest(userID: String, participantID: String, password: String)
    /// 0x0003 Login info.
    case loginInfo(tradingDay: String, loginTime: String, userID: String, participantID: String, systemName: String, actionDay: String)
    /// 0x0031 Settlement session.
    case settlementSession(tradingDay: String, groupID: String, settlementID: Int32)
    /// 0x0032 Centre switch.
    case centreSwitch(changeNo: Int8, snapNo: Int32, packetNo: Int32)
    /// 0x0101 Instrument info (the fields the handler uses).
    case instrumentInfo(symbol: String, product: String, volumeMultiple: Int32, currency: String, priceTick: Double, codecPrice: Double,
                        instrumentNo: Int32)
    /// 0x0102 Instrument market data (prices f64, `Double.greatestFiniteMagnitude` = unset).
    case marketData(MDQPMarketData)
    /// 0x0103 A price level of the snapshot book.
    case priceLevel(instrumentNo: Int32, isBid: Bool, price: Double, volume: Int32)
    /// 0x0201 Retransmission request, both ends inclusive.
    case retransmissionRequest(topicID: Int16, start: Int32, end: Int32)
    /// 0x1001 Topic and snapshot number (−1 = latest).
    case topicSnapshot(topicID: Int16, snapNo: Int32)
    /// 0x1002 Snapshot time.
    case snapshotTime(date: String, time: String, millisecond: Int32)
    /// 0x1003 Market-data attributes.
    case attributes(depth: Int32, cipher: UInt8)
    /// 0x1004 The last incremental packet the snapshot includes.
    case lastIncludedPacket(Int32)
    case unknown(field: Int16, size: Int)

    /// Fixed body sizes (§11.3).
    static let sizes: [Int16: Int] = [0x0001: 85, 0x0002: 151, 0x0003: 115, 0x0031: 22, 0x0032: 9, 0x0101: 112, 0x0102: 154,
                                      0x0103: 17, 0x0201: 10, 0x1001: 6, 0x1002: 22, 0x1003: 37, 0x1004: 4]
}

/// 0x0102: an instrument's counters and prices in a snapshot.
public struct MDQPMarketData: Sendable, Equatable {
    public static let unset = Double.greatestFiniteMagnitude
    public var instrumentNo: Int32 = 0
    public var lastPrice = unset, volume: Int32 = 0, turnover: Double = 0, openInterest: Double = 0
    public var highest = unset, lowest = unset, open = unset, close = unset, settlement = unset
    public var upperLimit = unset, lowerLimit = unset, preSettlement = unset, preClose = unset, preOpenInterest: Double = 0
    public var changeNo: Int32 = 0
    public init() {}
}

/// Little-endian fixed-width reads and writes for MDQP bodies.
struct MDQPBody {
    var bytes: [UInt8] = []
    mutating func i16(_ v: Int16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func char(_ c: UInt8) { bytes.append(c) }
    /// char[n]: NUL-padded, at least one NUL.
    mutating func text(_ s: String, _ n: Int) {
        let b = Array(s.utf8.prefix(n - 1))
        bytes += b + [UInt8](repeating: 0, count: n - b.count)
    }

    static func text(_ b: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<(at + n)]).prefix { $0 != 0 }, as: UTF8.self)
    }
    static func i16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int16 { Int16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: Int16.self)) }
    static func i32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int32 { Int32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: Int32.self)) }
    static func f64(_ b: UnsafeRawBufferPointer, _ at: Int) -> Double {
        Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
    }
}

extension MDQPField {
    public var fieldID: Int16 {
        switch self {
        case .wrappedPacket: 0x0000
        case .rspInfo: 0x0001
        case .loginRequest: 0x0002
        case .loginInfo: 0x0003
        case .settlementSession: 0x0031
        case .centreSwitch: 0x0032
        case .instrumentInfo: 0x0101
        case .marketData: 0x0102
        case .priceLevel: 0x0103
        case .retransmissionRequest: 0x0201
        case .topicSnapshot: 0x1001
        case .snapshotTime: 0x1002
        case .attributes: 0x1003
        case .lastIncludedPacket: 0x1004
        case .unknown(let f, _): f
        }
    }

    /// Bytes the field takes in a message: its 4-byte TLV header and body.
    public var encodedSize: Int {
        if case .wrappedPacket(let p) = self { return 4 + p.count }
        if case .unknown(_, let size) = self { return 4 + size }
        return 4 + Self.sizes[fieldID]!
    }

    /// The field's body.
    var body: [UInt8] {
        var w = MDQPBody()
        switch self {
        case .wrappedPacket(let p): w.bytes = p
        case .rspInfo(let id, let message): w.i32(id); w.text(message, 81)
        case .loginRequest(let user, let participant, let password):
            w.text(user, 16); w.text(participant, 11); w.text(password, 41); w.char(UInt8(ascii: "0")); w.text("ComputeFeed", 41); w.text("", 41)
        case .loginInfo(let day, let time, let user, let participant, let system, let action):
            w.text(day, 9); w.text(time, 9); w.text(user, 16); w.text(participant, 11); w.text(system, 61); w.text(action, 9)
        case .settlementSession(let day, let group, let id): w.text(day, 9); w.text(group, 9); w.i32(id)
        case .centreSwitch(let change, let snap, let packet): w.char(UInt8(bitPattern: change)); w.i32(snap); w.i32(packet)
        case .instrumentInfo(let symbol, let product, let multiple, let currency, let tick, let codec, let no):
            w.text(symbol, 31); w.text(product, 31); w.char(UInt8(ascii: "1")); w.f64(MDQPMarketData.unset); w.char(UInt8(ascii: "0"))
            w.i32(multiple); w.f64(1.0); w.i32(1); w.text(currency, 4); w.f64(tick); w.f64(codec); w.i32(no)
        case .marketData(let m):
            w.i32(m.instrumentNo); w.f64(m.lastPrice); w.i32(m.volume)
            for v in [m.turnover, m.openInterest, m.highest, m.lowest, m.open, m.close, m.settlement, m.upperLimit, m.lowerLimit,
                      m.preSettlement, m.preClose, m.preOpenInterest, MDQPMarketData.unset, MDQPMarketData.unset] { w.f64(v) }
            w.text("", 9); w.text("", 9); w.i32(0); w.i32(m.changeNo)
        case .priceLevel(let no, let isBid, let price, let volume):
            w.i32(no); w.char(isBid ? UInt8(ascii: "0") : UInt8(ascii: "1")); w.f64(price); w.i32(volume)
        case .retransmissionRequest(let topic, let start, let end): w.i16(topic); w.i32(start); w.i32(end)
        case .topicSnapshot(let topic, let snap): w.i16(topic); w.i32(snap)
        case .snapshotTime(let date, let time, let ms): w.text(date, 9); w.text(time, 9); w.i32(ms)
        case .attributes(let depth, let cipher): w.i32(depth); w.char(cipher); w.bytes += [UInt8](repeating: 0, count: 32)
        case .lastIncludedPacket(let p): w.i32(p)
        case .unknown(_, let size): w.bytes = [UInt8](repeating: 0, count: size)
        }
        return w.bytes
    }

    /// Decodes a field body; a known field with the wrong size is malformed (ErrorID 6 territory).
    public static func decode(field: Int16, body b: UnsafeRawBufferPointer) -> Result<MDQPField, MDQPMalformed> {
        if let size = sizes[field], b.count != size { return .failure(.badFieldSize) }
        typealias R = MDQPBody
        switch field {
        case 0x0000: return .success(.wrappedPacket(Array(b)))
        case 0x0001: return .success(.rspInfo(errorID: R.i32(b, 0), message: R.text(b, 4, 81)))
        case 0x0002: return .success(.loginRequest(userID: R.text(b, 0, 16), participantID: R.text(b, 16, 11), password: R.text(b, 27, 41)))
        case 0x0003:
            return .success(.loginInfo(tradingDay: R.text(b, 0, 9), loginTime: R.text(b, 9, 9), userID: R.text(b, 18, 16),
                                       participantID: R.text(b, 34, 11), systemName: R.text(b, 45, 61), actionDay: R.text(b, 106, 9)))
        case 0x0031: return .success(.settlementSession(tradingDay: R.text(b, 0, 9), groupID: R.text(b, 9, 9), settlementID: R.i32(b, 18)))
        case 0x0032: return .success(.centreSwitch(changeNo: Int8(bitPattern: b[0]), snapNo: R.i32(b, 1), packetNo: R.i32(b, 5)))
        case 0x0101:
            return .success(.instrumentInfo(symbol: R.text(b, 0, 31), product: R.text(b, 31, 31), volumeMultiple: R.i32(b, 72),
                                            currency: R.text(b, 88, 4), priceTick: R.f64(b, 92), codecPrice: R.f64(b, 100), instrumentNo: R.i32(b, 108)))
        case 0x0102:
            var m = MDQPMarketData()
            m.instrumentNo = R.i32(b, 0); m.lastPrice = R.f64(b, 4); m.volume = R.i32(b, 12); m.turnover = R.f64(b, 16)
            m.openInterest = R.f64(b, 24); m.highest = R.f64(b, 32); m.lowest = R.f64(b, 40); m.open = R.f64(b, 48); m.close = R.f64(b, 56)
            m.settlement = R.f64(b, 64); m.upperLimit = R.f64(b, 72); m.lowerLimit = R.f64(b, 80); m.preSettlement = R.f64(b, 88)
            m.preClose = R.f64(b, 96); m.preOpenInterest = R.f64(b, 104); m.changeNo = R.i32(b, 150)
            return .success(.marketData(m))
        case 0x0103:
            return .success(.priceLevel(instrumentNo: R.i32(b, 0), isBid: b[4] == UInt8(ascii: "0"), price: R.f64(b, 5), volume: R.i32(b, 13)))
        case 0x0201: return .success(.retransmissionRequest(topicID: R.i16(b, 0), start: R.i32(b, 2), end: R.i32(b, 6)))
        case 0x1001: return .success(.topicSnapshot(topicID: R.i16(b, 0), snapNo: R.i32(b, 2)))
        case 0x1002: return .success(.snapshotTime(date: R.text(b, 0, 9), time: R.text(b, 9, 9), millisecond: R.i32(b, 18)))
        case 0x1003: return .success(.attributes(depth: R.i32(b, 0), cipher: b[4]))
        case 0x1004: return .success(.lastIncludedPacket(R.i32(b, 0)))
        default: return .success(.unknown(field: field, size: b.count))
        }
    }
}

/// A whole MDQP message: encoding, and decoding its fields.
public struct MDQPMessage: Sendable, Equatable {
    public var header: MDQPHeader
    public var fields: [MDQPField]

    public init(header: MDQPHeader, fields: [MDQPField]) {
        self.header = header
        self.fields = fields
    }

    public func encoded() -> [UInt8] {
        var payload: [UInt8] = []
        for f in fields {
            let body = f.body
            withUnsafeBytes(of: f.fieldID.littleEndian) { payload.append(contentsOf: $0) }
            withUnsafeBytes(of: Int16(body.count).littleEndian) { payload.append(contentsOf: $0) }
            payload += body
        }
        var out: [UInt8] = [header.endOfMessage ? 0x11 : 0x01, header.typeID]
        withUnsafeBytes(of: UInt16(payload.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: header.requestID.littleEndian) { out.append(contentsOf: $0) }
        return out + payload
    }

    /// Decodes one complete message (header + exactly `Length` payload bytes).
    public static func decode(_ b: UnsafeRawBufferPointer) -> Result<MDQPMessage, MDQPMalformed> {
        guard b.count >= MDQPHeader.length, b[0] == 0x01 || b[0] == 0x11 else { return .failure(.badFlag) }
        let length = Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        guard b.count == MDQPHeader.length + length else { return .failure(.fieldOverrunsMessage) }
        let header = MDQPHeader(endOfMessage: b[0] == 0x11, typeID: b[1], length: UInt16(length), requestID: MDQPBody.i32(b, 4))
        var fields: [MDQPField] = []
        var at = MDQPHeader.length
        while at < b.count {
            guard at + 4 <= b.count else { return .failure(.fieldOverrunsMessage) }
            let field = MDQPBody.i16(b, at), size = Int(MDQPBody.i16(b, at + 2))
            guard size >= 0, at + 4 + size <= b.count else { return .failure(.fieldOverrunsMessage) }
            switch MDQPField.decode(field: field, body: UnsafeRawBufferPointer(rebasing: b[(at + 4)..<(at + 4 + size)])) {
            case .success(let f): fields.append(f)
            case .failure(let why): return .failure(why)
            }
            at += 4 + size
        }
        return .success(MDQPMessage(header: header, fields: fields))
    }
}

/// Frames MDQP messages out of a TCP byte stream: bytes go in as they arrive, whole messages come out.
public struct MDQPFramer: Sendable {
    private var buffer: [UInt8] = []
    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next whole message, nil when more bytes are needed, or the reason the stream is broken.
    public mutating func next() -> Result<MDQPMessage, MDQPMalformed>? {
        guard buffer.count >= MDQPHeader.length else { return nil }
        guard buffer[0] == 0x01 || buffer[0] == 0x11 else { return .failure(.badFlag) }
        let total = MDQPHeader.length + (Int(buffer[2]) | Int(buffer[3]) << 8)
        guard buffer.count >= total else { return nil }
        let result = buffer.withUnsafeBytes { MDQPMessage.decode(UnsafeRawBufferPointer(rebasing: $0[0..<total])) }
        buffer.removeFirst(total)
        return result
    }
}
