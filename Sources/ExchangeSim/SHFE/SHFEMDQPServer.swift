import Dispatch
public import FeedEngine
import Glibc
public import PacketCapture
import Synchronization
import TickFormat
import VenueSHFE

/// The simulator's MDQP server (specs/shfe-mirp.md §11): login, snapshot (0x31/0x32, §11.5),
/// retransmission (0x33/0x34, §11.6), heartbeats after 3 s without sending, connections closed
/// after 10 s without receiving, the ErrorIDs of §11.4. It serves one simulated session: the
/// packets multicast so far (`publish(upTo:)`; a finished capture publishes everything) and the
/// snapshot as of the last of them. Faults can be injected per request kind for tests.
public final class SHFEMDQPServer: Sendable {
    /// A way to misbehave.
    public enum Fault: Sendable, Equatable {
        /// Answer with RspInfo carrying this ErrorID.
        case error(Int32)
        /// Send half of the response, then close the connection.
        case closeMidResponse
        /// Send a frame whose field overruns its message.
        case malformedFrame
        /// Read the request and never answer it (heartbeats continue).
        case neverAnswer
    }

    public struct Options: Sendable {
        /// The password every user must give; nil accepts any login.
        public var password: String?
        public var snapshotFault: Fault?
        public var retransmissionFault: Fault?
        public var heartbeatIntervalMs: Int32 = 3_000
        public var idleTimeoutMs: Int32 = 10_000
        /// Packets kept per topic for retransmission (§12: 100 000).
        public var retention: Int32 = 100_000
        /// The largest retransmission served (§11.4 ErrorID 5).
        public var maxPacketsPerRequest: Int32 = 1_000
        public init() {}
    }

    public let endpoint: Endpoint
    public let options: Options
    private let simulation: SHFESimulationBox
    private let listener: TCPListener
    private let published: Atomic<Int32>
    private let stopping = Atomic<Bool>(false)
    private let activeThreads = Atomic<Int>(0)
    private let counters = Mutex(Counters())

    /// What the server did, for tests and the simulator's summary.
    public struct Counters: Sendable, Equatable {
        public var connections = 0
        public var logins = 0
        public var snapshots = 0
        public var retransmissions = 0
        public var packetsRetransmitted = 0
        public var errors = 0
        public init() {}
    }

    public var counts: Counters { counters.withLock { $0 } }

    /// Listens on `endpoint` (port 0: any free port; `endpoint` then says which). With `publishAll`
    /// every packet of the session is available at once (serving a finished capture).
    public init(simulation: SHFESimulation, listen: Endpoint, options: Options = Options(), publishAll: Bool = true) throws(SocketError) {
        listener = try TCPListener(listen)
        endpoint = listener.endpoint
        self.options = options
        self.simulation = SHFESimulationBox(simulation)
        published = Atomic(publishAll ? Int32(simulation.recovery.packets.count) : 0)
        activeThreads.add(1, ordering: .relaxed)
        spawn { $0.acceptLoop() }
    }

    /// The playback has multicast every packet up to `packetNo`: snapshots include them and
    /// retransmission may serve them.
    public func publish(upTo packetNo: Int32) {
        published.store(min(max(packetNo, 0), Int32(simulation.value.recovery.packets.count)), ordering: .releasing)
    }

    /// Stops accepting, closes every connection, and returns once the server's threads have ended.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        while activeThreads.load(ordering: .acquiring) > 0 { usleep(5_000) }
    }

    // MARK: - Threads

    private func spawn(_ body: @escaping @Sendable (SHFEMDQPServer) -> Void) {
        let job = ServerJob(server: self, body: body)
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            let job = Unmanaged<ServerJob>.fromOpaque(context!).takeRetainedValue()
            job.body(job.server)
            job.server.activeThreads.subtract(1, ordering: .releasing)
            return nil
        }, Unmanaged.passRetained(job).toOpaque())
        pthread_detach(thread)
    }

    private func acceptLoop() {
        while !stopping.load(ordering: .acquiring) {
            guard let fd = try? listener.accept(timeoutMs: 100) else { continue }
            counters.withLock { $0.connections += 1 }
            activeThreads.add(1, ordering: .relaxed)
            spawn { $0.serve(TCPConnection(descriptor: fd)) }
        }
    }

    /// One client's session (§11.4).
    private func serve(_ connection: TCPConnection) {
        var framer = MDQPFramer()
        var buffer: [UInt8] = []
        var lastSent = Pacer.now(), lastReceived = Pacer.now()
        var loggedIn = false
        let heartbeat = UInt64(options.heartbeatIntervalMs) * 1_000_000, idle = UInt64(options.idleTimeoutMs) * 1_000_000
        func send(_ bytes: [UInt8]) -> Bool {
            lastSent = Pacer.now()
            return (try? connection.send(bytes, timeoutMs: 5_000)) != nil
        }
        session: while !stopping.load(ordering: .acquiring) {
            buffer.removeAll(keepingCapacity: true)
            let got: Int?
            do { got = try connection.receive(into: &buffer, timeoutMs: 50) } catch { break }
            let now = Pacer.now()
            if let got {
                if got == 0 { break }
                lastReceived = now
                framer.append(buffer)
                while let next = framer.next() {
                    guard case .success(let message) = next else { break session }  // a broken stream cannot be resynchronised
                    switch respond(to: message, loggedIn: &loggedIn) {
                    case .reply(let bytes): if !send(bytes) { break session }
                    case .replyAndClose(let bytes): _ = send(bytes); break session
                    case .nothing: break
                    }
                }
            }
            if now &- lastReceived >= idle { break }
            if Pacer.now() &- lastSent >= heartbeat,
               !send(MDQPMessage(header: MDQPHeader(typeID: MDQPType.heartbeat, requestID: 0), fields: []).encoded()) { break }
        }
        connection.close()
    }

    private enum Reply {
        case reply([UInt8])
        case replyAndClose([UInt8])
        case nothing
    }

    private func respond(to message: MDQPMessage, loggedIn: inout Bool) -> Reply {
        let id = message.header.requestID
        switch message.header.typeID {
        case MDQPType.heartbeat:
            return .nothing
        case MDQPType.loginRequest:
            guard case .loginRequest(let user, _, let password)? = message.fields.first(where: { $0.fieldID == 0x0002 }),
                  !user.isEmpty, options.password.map({ $0 == password }) ?? true else {
                counters.withLock { $0.errors += 1 }
                return .replyAndClose(error(1, "login failed", type: MDQPType.loginResponse, id: id))
            }
            loggedIn = true
            counters.withLock { $0.logins += 1 }
            let day = tradingDay
            return .reply(MDQPMessage(header: MDQPHeader(typeID: MDQPType.loginResponse, requestID: id), fields: [
                .rspInfo(errorID: 0, message: "OK"),
                .loginInfo(tradingDay: day, loginTime: "09:00:00", userID: user, participantID: "cfeed", systemName: "ComputeFeed ExchangeSim",
                           actionDay: day),
            ]).encoded())
        case MDQPType.snapshotRequest:
            let type = MDQPType.snapshotResponse
            guard loggedIn else { return failed(2, "not logged in", type: type, id: id) }
            guard case .topicSnapshot(let topic, _)? = message.fields.first(where: { $0.fieldID == 0x1001 }) else {
                return failed(6, "malformed request", type: type, id: id)
            }
            guard topic == simulation.value.reference.topicID else { return failed(3, "unknown topic", type: type, id: id) }
            counters.withLock { $0.snapshots += 1 }
            return inject(options.snapshotFault, type: type, id: id) { snapshotMessages(id: id) }
        case MDQPType.retransmissionRequest:
            let type = MDQPType.retransmissionResponse
            guard loggedIn else { return failed(2, "not logged in", type: type, id: id) }
            guard case .retransmissionRequest(let topic, let start, let end)? = message.fields.first(where: { $0.fieldID == 0x0201 }) else {
                return failed(6, "malformed request", type: type, id: id)
            }
            guard topic == simulation.value.reference.topicID else { return failed(3, "unknown topic", type: type, id: id) }
            let last = published.load(ordering: .acquiring)
            guard start >= 1, end >= start, end <= last, start > last - options.retention else {
                return failed(4, "packets not available", type: type, id: id)
            }
            guard end - start + 1 <= options.maxPacketsPerRequest else { return failed(5, "request too large", type: type, id: id) }
            counters.withLock {
                $0.retransmissions += 1
                $0.packetsRetransmitted += Int(end - start + 1)
            }
            return inject(options.retransmissionFault, type: type, id: id) {
                let packets = simulation.value.recovery.packets[Int(start - 1)..<Int(end)].map { MDQPField.wrappedPacket($0) }
                return split(packets, head: [], type: type, id: id)
            }
        default:
            return .nothing  // not in our subset
        }
    }

    private func failed(_ errorID: Int32, _ text: String, type: UInt8, id: Int32) -> Reply {
        counters.withLock { $0.errors += 1 }
        return .reply(error(errorID, text, type: type, id: id))
    }

    /// §11.6/§11.5: an error response is one message with EndOfMsg and a single RspInfo.
    private func error(_ errorID: Int32, _ text: String, type: UInt8, id: Int32) -> [UInt8] {
        MDQPMessage(header: MDQPHeader(endOfMessage: type != MDQPType.loginResponse, typeID: type, requestID: id),
                    fields: [.rspInfo(errorID: errorID, message: text)]).encoded()
    }

    private func inject(_ fault: Fault?, type: UInt8, id: Int32, _ response: () -> [UInt8]) -> Reply {
        switch fault {
        case nil: return .reply(response())
        case .error(let errorID)?: return failed(errorID, "injected error", type: type, id: id)
        case .neverAnswer?: return .nothing
        case .closeMidResponse?:
            let bytes = response()
            return .replyAndClose(Array(bytes.prefix(max(1, bytes.count / 2))))
        case .malformedFrame?:
            // A 0x0000 field claiming 100 bytes inside an 8-byte payload.
            return .reply([0x11, type, 0x08, 0x00] + withUnsafeBytes(of: id.littleEndian, Array.init) + [0x00, 0x00, 0x64, 0x00, 1, 2, 3, 4])
        }
    }

    /// Packs fields into messages of at most 65 535 payload bytes; `head` goes first in the first
    /// message; no field is split; only the last message has EndOfMsg.
    private func split(_ fields: [MDQPField], head: [MDQPField], groupStarts: Set<Int> = [], type: UInt8, id: Int32) -> [UInt8] {
        func size(_ f: MDQPField) -> Int { f.encodedSize }
        var messages: [[MDQPField]] = [head]
        var used = head.reduce(0) { $0 + size($1) }
        var i = 0
        while i < fields.count {
            // A unit is one field, or one instrument group when groups are given.
            var end = i + 1
            if !groupStarts.isEmpty { while end < fields.count && !groupStarts.contains(end) { end += 1 } }
            let unit = fields[i..<end].reduce(0) { $0 + size($1) }
            if used + unit > 65_535 && !(messages.last!.isEmpty) {
                messages.append([])
                used = 0
            }
            messages[messages.count - 1] += fields[i..<end]
            used += unit
            i = end
        }
        var out: [UInt8] = []
        for (n, fields) in messages.enumerated() {
            out += MDQPMessage(header: MDQPHeader(endOfMessage: n == messages.count - 1, typeID: type, requestID: id), fields: fields).encoded()
        }
        return out
    }

    /// §11.5: the head fields, then one group per instrument in ascending InstrumentNo.
    private func snapshotMessages(id: Int32) -> [UInt8] {
        let sim = simulation.value
        let p = published.load(ordering: .acquiring)
        let day = tradingDay
        let head: [MDQPField] = [
            .settlementSession(tradingDay: day, groupID: "SG01", settlementID: 1),
            .topicSnapshot(topicID: sim.reference.topicID, snapNo: 1),
            .attributes(depth: 5, cipher: UInt8(ascii: "0")),
            .snapshotTime(date: day, time: "09:00:00", millisecond: 0),
            .lastIncludedPacket(p),
        ]
        var fields: [MDQPField] = []
        var starts: Set<Int> = []
        for m in sim.reference.instruments.sorted(by: { $0.instrumentNo < $1.instrumentNo }) {
            let state = sim.recovery.state(of: m.instrumentNo, atPacket: p)
            func px(_ v: Int64?) -> Double { v.map { Double($0) / 1e9 } ?? MDQPMarketData.unset }
            starts.insert(fields.count)
            fields.append(.instrumentInfo(symbol: m.symbol, product: String(m.symbol.prefix { $0.isLetter }), volumeMultiple: Int32(m.volumeMultiple),
                                          currency: m.currency, priceTick: Double(m.priceTick) ?? 0, codecPrice: Double(m.codecPrice) ?? 0,
                                          instrumentNo: m.instrumentNo))
            var data = MDQPMarketData()
            data.instrumentNo = m.instrumentNo
            if let s = state {
                data.lastPrice = px(s.lastPrice)
                data.volume = Int32(clamping: s.volume)
                data.turnover = Double(s.turnoverFen) / 100
                data.openInterest = Double(s.openInterest)
                data.highest = px(s.highestPrice)
                data.lowest = px(s.lowestPrice)
                data.open = px(s.openPrice)
                data.upperLimit = px(s.upperLimit)
                data.lowerLimit = px(s.lowerLimit)
                data.changeNo = Int32(clamping: s.changeNo)
            }
            fields.append(.marketData(data))
            for level in state?.bids ?? [] { fields.append(.priceLevel(instrumentNo: m.instrumentNo, isBid: true, price: px(level.price), volume: Int32(level.size))) }
            for level in state?.asks ?? [] { fields.append(.priceLevel(instrumentNo: m.instrumentNo, isBid: false, price: px(level.price), volume: Int32(level.size))) }
        }
        return split(fields, head: head, groupStarts: starts, type: MDQPType.snapshotResponse, id: id)
    }

    /// The session's trading day, YYYYMMDD (the day of the first packet's time).
    private var tradingDay: String {
        let (y, m, d) = Timestamps.civilDate(daysSinceEpoch: Int64(simulation.value.datagrams.first?.tsRecv ?? 0) / 86_400_000_000_000)
        return String(y * 10_000 + m * 100 + d)
    }
}

/// The simulation, shared read-only by the server's threads.
private final class SHFESimulationBox: Sendable {
    let value: SHFESimulation
    init(_ value: SHFESimulation) { self.value = value }
}

private final class ServerJob: Sendable {
    let server: SHFEMDQPServer
    let body: @Sendable (SHFEMDQPServer) -> Void
    init(server: SHFEMDQPServer, body: @escaping @Sendable (SHFEMDQPServer) -> Void) {
        self.server = server
        self.body = body
    }
}
