import ExchangeSim
import Glibc
import FeedEngine
import PacketCapture
import Testing
import TickFormat
@testable import VenueSHFE

/// The MDQP conversation of §11.4–11.6 between the simulator's server and a raw client on loopback:
/// message order and flags, splitting, ErrorIDs, heartbeats, idle close; and the handler's client.
@Suite(.serialized) struct MDQPSessionTests {
    static let loopback = Endpoint(IPv4Address("127.0.0.1")!, 0)

    static func simulation(instruments: Int = 12) -> SHFESimulation {
        let reference = SHFEReferenceData(topicID: 1001, instruments: (1...instruments).map {
            SHFEReferenceData.Instrument(instrumentNo: Int32($0), symbol: "tk\($0)", codecPrice: "4.00", priceTick: "0.01", volumeMultiple: 1000,
                                         currency: "CNY", expiration: "2027-01-15")
        })
        return SHFESimulator.run(SHFESimulationConfig(seed: 5, durationNs: 5_000_000_000, eventsPerSecond: 400, reference: reference))
    }

    /// A client without any of MDQPClient's logic: sends what it is told, returns every message.
    final class RawClient {
        let connection: TCPConnection
        var framer = MDQPFramer()
        var buffer: [UInt8] = []

        init(_ endpoint: Endpoint) throws { connection = try TCPConnection.connect(to: endpoint, timeoutMs: 1_000) }

        func send(_ type: UInt8, id: Int32, _ fields: [MDQPField]) throws {
            try connection.send(MDQPMessage(header: MDQPHeader(typeID: type, requestID: id), fields: fields).encoded(), timeoutMs: 1_000)
        }

        /// The next message other than a heartbeat (nil: the server closed or said nothing for 2 s).
        func next(skipHeartbeats: Bool = true) throws -> MDQPMessage? {
            while true {
                if case .success(let m)? = framer.next() {
                    if skipHeartbeats && m.header.typeID == MDQPType.heartbeat { continue }
                    return m
                }
                buffer.removeAll()
                guard let n = try connection.receive(into: &buffer, timeoutMs: 2_000), n > 0 else { return nil }
                framer.append(buffer)
            }
        }

        /// Every message of one response, up to EndOfMsg.
        func response() throws -> [MDQPMessage] {
            var all: [MDQPMessage] = []
            while let m = try next() {
                all.append(m)
                if m.header.endOfMessage { break }
            }
            return all
        }

        func login() throws {
            try send(MDQPType.loginRequest, id: 1, [.loginRequest(userID: "u", participantID: "p", password: "")])
            let reply = try next()
            #expect(reply?.header.typeID == MDQPType.loginResponse && reply?.header.endOfMessage == false)
            #expect(reply?.fields.first == .rspInfo(errorID: 0, message: "OK"))
        }
    }

    static func errorID(_ messages: [MDQPMessage]) -> Int32? {
        guard messages.count == 1, messages[0].header.endOfMessage, messages[0].fields.count == 1,
              case .rspInfo(let id, _) = messages[0].fields[0] else { return nil }
        return id
    }

    @Test func aSnapshotFollowsTheLayoutAndEqualsTheStateAtItsPacket() throws {
        let simulation = Self.simulation()
        let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback, publishAll: false)
        defer { server.stop() }
        server.publish(upTo: 700)
        let client = try RawClient(server.endpoint)
        try client.login()
        try client.send(MDQPType.snapshotRequest, id: 2, [.topicSnapshot(topicID: 1001, snapNo: -1)])
        let messages = try client.response()
        #expect(messages.count == 1 && messages[0].header.endOfMessage && messages[0].header.requestID == 2)
        let fields = messages.flatMap(\.fields)
        #expect(fields.prefix(5).map(\.fieldID) == [0x0031, 0x1001, 0x1003, 0x1002, 0x1004])
        #expect(fields[4] == .lastIncludedPacket(700))
        let snapshot = try #require(try? MDQPSnapshot.parse(fields, topicID: 1001).get())
        #expect(snapshot.instruments.map(\.instrumentNo) == Array(1...12))
        for inst in snapshot.instruments {
            let state = simulation.recovery.state(of: inst.instrumentNo, atPacket: 700)
            #expect(inst.bids.map { Int64(($0.price * 100).rounded()) * 10_000_000 } == (state?.bids ?? []).map(\.price))
            #expect(inst.asks.map(\.volume) == (state?.asks ?? []).map { Int32($0.size) })
            #expect(Int64(inst.market?.changeNo ?? -1) == state?.changeNo ?? 0)
        }
    }

    @Test func aLargeSnapshotIsSplitBetweenGroupsAndOnlyTheLastMessageEndsIt() throws {
        let simulation = Self.simulation(instruments: 300)
        let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback)
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        try client.login()
        try client.send(MDQPType.snapshotRequest, id: 2, [.topicSnapshot(topicID: 1001, snapNo: -1)])
        let messages = try client.response()
        #expect(messages.count >= 2)
        #expect(messages.dropLast().allSatisfy { !$0.header.endOfMessage } && messages.last?.header.endOfMessage == true)
        #expect(messages.allSatisfy { $0.header.typeID == MDQPType.snapshotResponse && $0.header.requestID == 2 })
        for m in messages.dropFirst() { #expect(m.fields.first?.fieldID == 0x0101) }  // continuations start with a group
        #expect(messages.allSatisfy { Int($0.header.length) <= 65_535 })
        let snapshot = try #require(try? MDQPSnapshot.parse(messages.flatMap(\.fields), topicID: 1001).get())
        #expect(snapshot.instruments.count == 300)
    }

    @Test func retransmissionWrapsThePacketsAsMulticastAndEndsOnce() throws {
        let simulation = Self.simulation()
        let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback)
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        try client.login()
        try client.send(MDQPType.retransmissionRequest, id: 2, [.retransmissionRequest(topicID: 1001, start: 10, end: 1_000)])
        let messages = try client.response()
        let packets = messages.flatMap(\.fields).compactMap { f -> [UInt8]? in if case .wrappedPacket(let p) = f { p } else { nil } }
        #expect(packets == Array(simulation.recovery.packets[9..<1_000]))
        #expect(messages.filter(\.header.endOfMessage).count == 1 && messages.last!.header.endOfMessage)
    }

    @Test func everyErrorIDOfTheSpec() throws {
        let simulation = Self.simulation()
        var options = SHFEMDQPServer.Options()
        options.maxPacketsPerRequest = 100
        let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback, options: options)
        defer { server.stop() }
        let last = Int32(simulation.recovery.packets.count)
        let client = try RawClient(server.endpoint)
        // 2: not logged in, answered with the request's own response type.
        try client.send(MDQPType.snapshotRequest, id: 1, [.topicSnapshot(topicID: 1001, snapNo: -1)])
        let early = try client.response()
        #expect(early.first?.header.typeID == MDQPType.snapshotResponse && Self.errorID(early) == 2)
        try client.login()
        for (request, expected) in [((1001, 0, 5), 4), ((1001, 9, 5), 4), ((1001, 1, last + 1), 4), ((1001, 1, 101), 5), ((1002, 1, 5), 3)]
            as [((Int16, Int32, Int32), Int32)] {
            try client.send(MDQPType.retransmissionRequest, id: 3, [.retransmissionRequest(topicID: request.0, start: request.1, end: request.2)])
            #expect(Self.errorID(try client.response()) == expected, "\(request)")
        }
        try client.send(MDQPType.retransmissionRequest, id: 4, [])  // 6: the field is missing
        #expect(Self.errorID(try client.response()) == 6)
        try client.send(MDQPType.snapshotRequest, id: 5, [.topicSnapshot(topicID: 7, snapNo: -1)])
        #expect(Self.errorID(try client.response()) == 3)
    }

    @Test func aBadPasswordGetsErrorOneAndTheConnectionCloses() throws {
        var options = SHFEMDQPServer.Options()
        options.password = "right"
        let server = try SHFEMDQPServer(simulation: Self.simulation(), listen: Self.loopback, options: options)
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        try client.send(MDQPType.loginRequest, id: 1, [.loginRequest(userID: "u", participantID: "p", password: "wrong")])
        let reply = try client.next()
        #expect(reply?.fields == [.rspInfo(errorID: 1, message: "login failed")])
        #expect(try client.next() == nil)  // closed
    }

    @Test func theServerHeartbeatsWhenIdleAndClosesASilentClient() throws {
        var options = SHFEMDQPServer.Options()
        options.heartbeatIntervalMs = 100
        options.idleTimeoutMs = 400
        let server = try SHFEMDQPServer(simulation: Self.simulation(), listen: Self.loopback, options: options)
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        let heartbeat = try client.next(skipHeartbeats: false)
        #expect(heartbeat?.header.typeID == MDQPType.heartbeat && heartbeat?.header.requestID == 0 && heartbeat?.header.length == 0)
        let start = Pacer.now()
        while try client.next() != nil {}
        #expect(Pacer.now() - start < 2_000_000_000)
    }

    @Test func theClientKeepsAnIdleSessionAliveWithHeartbeats() throws {
        var options = SHFEMDQPServer.Options()
        options.heartbeatIntervalMs = 100
        options.idleTimeoutMs = 400
        let simulation = Self.simulation()
        let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback, options: options)
        defer { server.stop() }
        let client = MDQPClient(configuration: MDQPClientConfiguration(server: server.endpoint, heartbeatIntervalMs: 100, idleTimeoutMs: 400))
        try client.connect()
        for _ in 0..<12 {  // 1.2 s: three idle timeouts
            usleep(100_000)
            client.keepAlive()
        }
        #expect(client.isConnected && server.counts.connections == 1)
        let packets = try client.retransmit(topic: 1001, from: 1, to: 3)
        #expect(packets == Array(simulation.recovery.packets[0..<3]))
    }

    @Test func theClientNamesEveryFailure() throws {
        let simulation = Self.simulation()
        for (fault, expected) in [(SHFEMDQPServer.Fault.neverAnswer, MDQPFailure.timedOut), (.closeMidResponse, .closedByServer),
                                  (.malformedFrame, .malformed("field_overruns_message")), (.error(4), .rejected(errorID: 4, message: "injected error"))] {
            var options = SHFEMDQPServer.Options()
            options.snapshotFault = fault
            let server = try SHFEMDQPServer(simulation: simulation, listen: Self.loopback, options: options)
            let client = MDQPClient(configuration: MDQPClientConfiguration(server: server.endpoint, responseTimeoutMs: 300))
            #expect(throws: expected) { try client.snapshot(topic: 1001) }
            #expect(!client.isConnected)
            // The client reconnects for the next request.
            #expect(try client.retransmit(topic: 1001, from: 1, to: 1).count == 1)
            server.stop()
        }
    }
}
