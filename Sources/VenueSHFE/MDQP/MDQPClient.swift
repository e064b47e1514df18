import FeedEngine
public import PacketCapture

/// How to reach and talk to an MDQP server (specs/shfe-mirp.md §11.4).
public struct MDQPClientConfiguration: Sendable {
    public var server: Endpoint
    public var userID: String
    public var participantID: String
    public var password: String
    public var connectTimeoutMs: Int32
    /// The client allows this long for a response (§11.4: 5 s), counted from the request and
    /// restarted by every message of the response.
    public var responseTimeoutMs: Int32
    /// A heartbeat goes out after this long without sending (§11.4: 3 s).
    public var heartbeatIntervalMs: Int32
    /// The connection is closed after this long without receiving anything (§11.4: 10 s).
    public var idleTimeoutMs: Int32

    public init(server: Endpoint, userID: String = "cfeed", participantID: String = "cfeed", password: String = "",
                connectTimeoutMs: Int32 = 2_000, responseTimeoutMs: Int32 = 5_000, heartbeatIntervalMs: Int32 = 3_000,
                idleTimeoutMs: Int32 = 10_000) {
        self.server = server
        self.userID = userID
        self.participantID = participantID
        self.password = password
        self.connectTimeoutMs = connectTimeoutMs
        self.responseTimeoutMs = responseTimeoutMs
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.idleTimeoutMs = idleTimeoutMs
    }
}

/// Why an MDQP request did not give a usable answer. Every case reads as one log line.
public enum MDQPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached (refused, unreachable, connect timeout).
    case unreachable(String)
    /// The connection broke while sending or receiving.
    case transport(String)
    /// The server closed the connection (possibly in the middle of a response).
    case closedByServer
    /// No (complete) response within the response timeout.
    case timedOut
    /// A frame or field the protocol does not allow.
    case malformed(String)
    /// A well-formed message that does not belong in the conversation (wrong type or RequestID).
    case unexpected(String)
    /// The server answered with RspInfo ErrorID ≠ 0 (§11.4).
    case rejected(errorID: Int32, message: String)
    /// A response this handler cannot use (an encrypted snapshot, another topic).
    case unusable(String)

    public var description: String {
        switch self {
        case .unreachable(let why): "server unreachable: \(why)"
        case .transport(let why): "connection failed: \(why)"
        case .closedByServer: "server closed the connection"
        case .timedOut: "no response within the timeout"
        case .malformed(let why): "malformed response: \(why)"
        case .unexpected(let why): "unexpected message: \(why)"
        case .rejected(let id, let message): "request rejected: ErrorID \(id) (\(message))"
        case .unusable(let why): "unusable response: \(why)"
        }
    }

    /// A short token for counters and in-stream notices.
    public var kind: String {
        switch self {
        case .unreachable: "unreachable"
        case .transport: "transport"
        case .closedByServer: "closed"
        case .timedOut: "timeout"
        case .malformed: "malformed"
        case .unexpected: "unexpected"
        case .rejected(let id, _): "error_\(id)"
        case .unusable: "unusable"
        }
    }
}

/// A complete snapshot response (§11.5), grouped by instrument.
public struct MDQPSnapshot: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public var price: Double
        public var volume: Int32
    }
    public struct Instrument: Sendable, Equatable {
        public var instrumentNo: Int32
        public var symbol: String
        public var product: String
        public var volumeMultiple: Int32
        public var currency: String
        public var priceTick: Double
        public var codecPrice: Double
        public var market: MDQPMarketData?
        /// Best first.
        public var bids: [Level] = []
        public var asks: [Level] = []
    }
    public var topicID: Int16
    public var snapNo: Int32
    /// Field 0x1004: the snapshot holds the effect of every incremental packet ≤ this, none after.
    public var lastIncludedPacket: Int32
    public var centreChangeNo: Int8?
    public var instruments: [Instrument]

    /// Groups the concatenated fields of a response; nil-free: every rule of §11.3/§11.5 the handler
    /// relies on is checked here.
    public static func parse(_ fields: [MDQPField], topicID: Int16) -> Result<MDQPSnapshot, MDQPFailure> {
        var snapshot = MDQPSnapshot(topicID: topicID, snapNo: 0, lastIncludedPacket: -1, centreChangeNo: nil, instruments: [])
        var sawTopic = false
        for field in fields {
            switch field {
            case .rspInfo(let id, let message) where id != 0:
                return .failure(.rejected(errorID: id, message: message))
            case .topicSnapshot(let topic, let snapNo):
                guard topic == topicID else { return .failure(.unusable("snapshot of topic \(topic), asked for \(topicID)")) }
                sawTopic = true
                snapshot.snapNo = snapNo
            case .attributes(_, let cipher):
                // §11.3: encrypted payloads are unsupported.
                guard cipher == UInt8(ascii: "0") else { return .failure(.unusable("encrypted snapshot (CipherAlgorithm '\(Character(Unicode.Scalar(cipher)))')")) }
            case .lastIncludedPacket(let p):
                snapshot.lastIncludedPacket = p
            case .centreSwitch(let change, _, _):
                snapshot.centreChangeNo = change
            case .instrumentInfo(let symbol, let product, let multiple, let currency, let tick, let codec, let no):
                snapshot.instruments.append(Instrument(instrumentNo: no, symbol: symbol, product: product, volumeMultiple: multiple,
                                                       currency: currency, priceTick: tick, codecPrice: codec))
            case .marketData(let m):
                guard let last = snapshot.instruments.indices.last, snapshot.instruments[last].instrumentNo == m.instrumentNo else {
                    return .failure(.malformed("market data of instrument \(m.instrumentNo) outside its group"))
                }
                snapshot.instruments[last].market = m
            case .priceLevel(let no, let isBid, let price, let volume):
                guard let last = snapshot.instruments.indices.last, snapshot.instruments[last].instrumentNo == no else {
                    return .failure(.malformed("price level of instrument \(no) outside its group"))
                }
                let level = Level(price: price, volume: volume)
                if isBid { snapshot.instruments[last].bids.append(level) } else { snapshot.instruments[last].asks.append(level) }
            default:
                continue  // §11.5: unknown fields are skipped
            }
        }
        guard sawTopic else { return .failure(.malformed("snapshot without its topic field 0x1001")) }
        guard snapshot.lastIncludedPacket >= 0 else { return .failure(.malformed("snapshot without field 0x1004")) }
        return .success(snapshot)
    }
}

/// A blocking MDQP client for one thread (the recovery agent's): connects and logs in on demand,
/// keeps at most one request outstanding (§11.4), and turns every way a server can misbehave into
/// an `MDQPFailure` within bounded time. After any failure the connection is dropped; the next
/// request reconnects and logs in again.
public final class MDQPClient {
    public let configuration: MDQPClientConfiguration
    private var connection: TCPConnection?
    private var framer = MDQPFramer()
    private var nextRequestID: Int32 = 1
    private var lastSentNs: UInt64 = 0
    private var lastReceivedNs: UInt64 = 0
    private var inbox: [UInt8] = []
    /// What the server said at login (0x0003).
    public private(set) var tradingDay: String?

    public init(configuration: MDQPClientConfiguration) {
        self.configuration = configuration
    }

    public var isConnected: Bool { connection?.isOpen ?? false }

    public func close() {
        connection?.close()
        connection = nil
        framer = MDQPFramer()
    }

    /// Connects and logs in, unless already connected.
    public func connect() throws(MDQPFailure) {
        if isConnected { return }
        close()
        do {
            connection = try TCPConnection.connect(to: configuration.server, timeoutMs: configuration.connectTimeoutMs)
        } catch {
            throw .unreachable(error.description)
        }
        nextRequestID = 1
        lastReceivedNs = Pacer.now()
        let login = MDQPField.loginRequest(userID: configuration.userID, participantID: configuration.participantID,
                                           password: configuration.password)
        let fields = try exchange(type: MDQPType.loginRequest, fields: [login], responseType: MDQPType.loginResponse)
        for case .loginInfo(let day, _, _, _, _, _) in fields { tradingDay = day }
    }

    /// The latest snapshot of `topic` (§10.3; SnapNo −1).
    public func snapshot(topic: Int16) throws(MDQPFailure) -> MDQPSnapshot {
        try connect()
        let fields = try exchange(type: MDQPType.snapshotRequest, fields: [.topicSnapshot(topicID: topic, snapNo: -1)],
                                  responseType: MDQPType.snapshotResponse)
        switch MDQPSnapshot.parse(fields, topicID: topic) {
        case .success(let s): return s
        case .failure(let why): throw why
        }
    }

    /// The incremental packets `from...to` of `topic`, as multicast (§10.2, §11.6).
    public func retransmit(topic: Int16, from: Int32, to: Int32) throws(MDQPFailure) -> [[UInt8]] {
        try connect()
        let fields = try exchange(type: MDQPType.retransmissionRequest, fields: [.retransmissionRequest(topicID: topic, start: from, end: to)],
                                  responseType: MDQPType.retransmissionResponse)
        var packets: [[UInt8]] = []
        for case .wrappedPacket(let p) in fields { packets.append(p) }
        return packets
    }

    /// Between requests: answers the liveness rules of §11.4 — a heartbeat after 3 s without
    /// sending, the connection dropped after 10 s without receiving.
    public func keepAlive() {
        guard let connection, connection.isOpen else { return }
        do {
            while try drainOne(timeoutMs: 0) != nil {}
        } catch {
            return close()
        }
        let now = Pacer.now()
        if now &- lastReceivedNs >= UInt64(configuration.idleTimeoutMs) * 1_000_000 { return close() }
        if now &- lastSentNs >= UInt64(configuration.heartbeatIntervalMs) * 1_000_000 {
            do { try send(MDQPMessage(header: MDQPHeader(typeID: MDQPType.heartbeat, requestID: 0), fields: [])) } catch { close() }
        }
    }

    // MARK: - Conversation

    /// Sends one request and gathers its response's fields up to EndOfMsg; RspInfo with an error
    /// becomes `.rejected`.
    private func exchange(type: UInt8, fields: [MDQPField], responseType: UInt8) throws(MDQPFailure) -> [MDQPField] {
        let id = nextRequestID
        nextRequestID &+= 1
        do {
            try send(MDQPMessage(header: MDQPHeader(typeID: type, requestID: id), fields: fields))
            var gathered: [MDQPField] = []
            while true {
                guard let message = try drainOne(timeoutMs: configuration.responseTimeoutMs) else { throw MDQPFailure.timedOut }
                if message.header.typeID == MDQPType.heartbeat { continue }
                guard message.header.typeID == responseType, message.header.requestID == id else {
                    throw MDQPFailure.unexpected("type 0x\(String(message.header.typeID, radix: 16)) request \(message.header.requestID), "
                                                 + "awaiting type 0x\(String(responseType, radix: 16)) request \(id)")
                }
                gathered += message.fields
                if message.header.endOfMessage || responseType == MDQPType.loginResponse { break }
            }
            for case .rspInfo(let errorID, let text) in gathered where errorID != 0 { throw MDQPFailure.rejected(errorID: errorID, message: text) }
            return gathered
        } catch let failure as MDQPFailure {
            close()  // the stream's position is unknown after any failure
            throw failure
        } catch {
            close()
            throw .transport("\(error)")
        }
    }

    private func send(_ message: MDQPMessage) throws(MDQPFailure) {
        guard let connection else { throw .closedByServer }
        do {
            try connection.send(message.encoded(), timeoutMs: configuration.responseTimeoutMs)
        } catch {
            throw .transport(error.description)
        }
        lastSentNs = Pacer.now()
    }

    /// The next whole message, waiting up to `timeoutMs` for bytes; nil when none came in time.
    private func drainOne(timeoutMs: Int32) throws(MDQPFailure) -> MDQPMessage? {
        guard let connection else { throw .closedByServer }
        let deadline = Pacer.now() &+ UInt64(max(timeoutMs, 0)) * 1_000_000
        while true {
            switch framer.next() {
            case .success(let message)?:
                lastReceivedNs = Pacer.now()
                return message
            case .failure(let why)?:
                throw .malformed(why.rawValue)
            case nil:
                break
            }
            let now = Pacer.now()
            let left = deadline > now ? Int32((deadline - now) / 1_000_000) : 0
            inbox.removeAll(keepingCapacity: true)
            let got: Int?
            do {
                got = try connection.receive(into: &inbox, timeoutMs: left)
            } catch {
                throw .transport(error.description)
            }
            guard let got else {
                if left == 0 { return nil }
                continue
            }
            if got == 0 { throw .closedByServer }
            framer.append(inbox)
            lastReceivedNs = Pacer.now()
        }
    }
}
