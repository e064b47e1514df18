import ExchangeSim
import FeedEngine
import PacketCapture
import Testing
import TickFormat
@testable import VenueSHFE

/// The simulator is the oracle, with its MDQP server on loopback: holes are recovered by
/// retransmission (nothing lost, nothing flagged), late joins and large holes by snapshot, and a
/// server that fails in any way leaves the books flagged exactly as without a server — never a
/// wrong unflagged book, never a hang.
@Suite(.serialized) struct SHFERecoveryOracleTests {
    static let lossy = SHFESimulationConfig(seed: 1, durationNs: 30_000_000_000, eventsPerSecond: 250,
                                            lineA: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01),
                                            lineB: .init(loss: 0.03, duplicate: 0.01, reorder: 0.01, latencyNs: 35_000))

    struct Run {
        var handler: SHFEChannelHandler<RecordCollector>
        var simulation: SHFESimulation
        var server: SHFEMDQPServer.Counters
    }

    /// Replays the simulation through a handler whose recovery talks to a fresh server, the way
    /// `cfeed replay --mdqp` does (the capture clock stops while the server answers). The server
    /// serves what has been multicast so far, as it would live.
    static func run(_ config: SHFESimulationConfig, server options: SHFEMDQPServer.Options = .init(), serve: Bool = true,
                    handlerConfiguration: SHFEChannelConfiguration = .init(), responseTimeoutMs: Int32 = 5_000,
                    from start: UInt64 = 0) throws -> Run {
        let simulation = SHFESimulator.run(config)
        let server = serve ? try SHFEMDQPServer(simulation: simulation, listen: Endpoint(IPv4Address("127.0.0.1")!, 0), options: options, publishAll: false) : nil
        // Without a server: a port nothing listens on (a listener opened and closed again).
        let endpoint = try server?.endpoint ?? TCPListener(Endpoint(IPv4Address("127.0.0.1")!, 0)).endpoint
        let agent = MDQPRecoveryAgent(configuration: MDQPClientConfiguration(server: endpoint, connectTimeoutMs: 500,
                                                                             responseTimeoutMs: responseTimeoutMs),
                                      topicID: simulation.reference.topicID)
        defer { agent.stop() }
        let handler = SHFEChannelHandler(reference: simulation.reference, configuration: handlerConfiguration, sink: RecordCollector(),
                                         recovery: agent)
        var sent: Int32 = 0
        for d in simulation.datagrams {
            let header = d.payload.withUnsafeBytes { MIRPHeader.read($0) }
            sent = max(sent, header?.packetNo ?? 0)
            server?.publish(upTo: sent)
            guard d.tsRecv >= start, let line = config.addresses.firstIndex(of: d.destination) else { continue }
            d.payload.withUnsafeBytes { handler.receive($0, line: line, tsRecv: d.tsRecv) }
            handler.settleRecovery()
        }
        handler.finish()
        let counts = server?.counts ?? .init()
        server?.stop()
        return Run(handler: handler, simulation: simulation, server: counts)
    }

    /// Every MBP-10 record not flagged F_MAYBE_BAD_BOOK shows the true book as of its packet (its
    /// `sequence`), snapshots included; returns how many were checked and how many were flagged.
    static func checkBooks(_ run: Run) -> (checked: Int, flagged: Int) {
        var checked = 0, flagged = 0
        var mismatches: [String] = []
        for r in run.handler.sink.all(Mbp10Msg.self) where r.event.flags.contains(.last) {
            if r.event.flags.contains(.maybeBadBook) { flagged += 1; continue }
            let no = Int32(r.instrumentID - 1_001_000_000)
            let state = run.simulation.recovery.state(of: no, atPacket: Int32(r.event.sequence))
            let bids = state?.bids ?? [], asks = state?.asks ?? []
            let pairs = (0..<10).map { i -> BidAskPair in
                let b = i < bids.count ? bids[i] : .empty, a = i < asks.count ? asks[i] : .empty
                return BidAskPair(bidPx: b.price, askPx: a.price, bidSz: b.size, askSz: a.size, bidCt: 0, askCt: 0)
            }
            checked += 1
            if (0..<10).map({ r.levels[$0] }) != pairs { mismatches.append("\(no) at packet \(r.event.sequence)") }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) wrong books, first \(mismatches.prefix(5))")
        return (checked, flagged)
    }

    /// PacketNos the handler reported it did not apply (gap notices, including those a snapshot skipped).
    static func declaredGaps(_ handler: SHFEChannelHandler<RecordCollector>) -> Set<Int32> {
        var declared = Set<Int32>()
        for notice in handler.sink.all(SystemMsg.self) where notice.msg.string.hasPrefix("gap ") {
            var from: Int32?, to: Int32?
            for f in notice.msg.string.split(separator: " ") {
                if f.hasPrefix("from=") { from = Int32(f.dropFirst(5)) }
                if f.hasPrefix("to=") { to = Int32(f.dropFirst(3)) }
            }
            if let from, let to { for n in from...to { declared.insert(n) } }
        }
        return declared
    }

    /// The trade tape equals the truth's trades of every packet not reported missing.
    static func checkTrades(_ run: Run) {
        let declared = declaredGaps(run.handler)
        let expected = run.simulation.truth.trades.filter { !declared.contains($0.packetNo) }
        let tape = run.handler.sink.all(TradeMsg.self).map {
            SHFETruth.Trade(instrumentNo: Int32($0.instrumentID - 1_001_000_000), packetNo: Int32($0.sequence), price: $0.price, size: $0.size)
        }
        #expect(tape == expected, "tape \(tape.count) trades, truth \(expected.count)")
    }

    static func checkFinalBooks(_ run: Run) {
        for i in run.handler.instruments.indices where !run.handler.instruments[i].isStale {
            let inst = run.handler.instruments[i], final = run.simulation.truth.finalBooks[inst.instrumentNo]!
            #expect(inst.book.bids.array == final.bids && inst.book.asks.array == final.asks, "\(inst.symbol)")
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func retransmissionRecoversEveryHoleAndNothingIsFlagged(seed: UInt64) throws {
        var config = Self.lossy
        config.seed = seed
        let run = try Self.run(config)
        #expect(!run.simulation.truth.lostOnAllLines.isEmpty)
        let (checked, flagged) = Self.checkBooks(run)
        #expect(checked > 2_000 && flagged == 0, "checked \(checked), flagged \(flagged)")
        #expect(Self.declaredGaps(run.handler).isEmpty)
        Self.checkTrades(run)  // the whole tape: nothing was lost
        #expect(run.handler.trades(run.simulation.truth.trades.count))
        #expect(run.handler.stats.retransmissionRecoveries > 0 && run.handler.stats.snapshotRequests == 0)
        #expect(run.server.retransmissions == run.handler.stats.retransmissionRequests)
        #expect(run.handler.instruments.indices.allSatisfy { !run.handler.instruments[$0].isStale })
        Self.checkFinalBooks(run)
    }

    @Test func aLateJoinStartsFromASnapshot() throws {
        let config = Self.lossy
        let run = try Self.run(config, from: config.start + 10_000_000_000)
        #expect(run.handler.stats.snapshotsApplied == 1 && run.server.snapshots == 1)
        let (checked, flagged) = Self.checkBooks(run)
        #expect(checked > 1_000 && flagged == 0)
        #expect(run.handler.sink.all(Mbp10Msg.self).contains { $0.event.flags.contains(.snapshot) && $0.event.action == .clear })
        Self.checkTrades(run)
        #expect(Self.declaredGaps(run.handler).min() == 1)
        #expect(run.handler.instruments.indices.allSatisfy { !run.handler.instruments[$0].isStale })
        Self.checkFinalBooks(run)
    }

    @Test func holesLargerThanTheRetransmissionLimitGoToSnapshots() throws {
        let run = try Self.run(Self.lossy, handlerConfiguration: SHFEChannelConfiguration(maxRetransmission: 0))
        #expect(run.handler.stats.retransmissionRequests == 0 && run.handler.stats.snapshotsApplied > 0)
        let (checked, _) = Self.checkBooks(run)
        #expect(checked > 1_000)
        Self.checkTrades(run)
        #expect(run.handler.instruments.indices.allSatisfy { !run.handler.instruments[$0].isStale })
        Self.checkFinalBooks(run)
    }

    // MARK: - Faults

    @Test func aRetransmissionErrorFallsBackToASnapshot() throws {
        var options = SHFEMDQPServer.Options()
        options.retransmissionFault = .error(4)
        let run = try Self.run(Self.lossy, server: options)
        #expect(run.handler.stats.recoveryFailures["error_4"] ?? 0 > 0)
        #expect(run.handler.stats.snapshotsApplied > 0 && run.handler.stats.retransmissionRecoveries == 0)
        _ = Self.checkBooks(run)
        Self.checkTrades(run)
        #expect(run.handler.instruments.indices.allSatisfy { !run.handler.instruments[$0].isStale })
    }

    /// Each way a server can fail both requests: the failure is named, the holes are declared lost
    /// and flagged as without a server, nothing hangs, and unflagged books stay right.
    @Test(arguments: [SHFEMDQPServer.Fault.error(4), .closeMidResponse, .malformedFrame, .neverAnswer])
    func aFailingServerLeavesTheBooksFlaggedNeverWrong(fault: SHFEMDQPServer.Fault) throws {
        var options = SHFEMDQPServer.Options()
        options.retransmissionFault = fault
        options.snapshotFault = fault
        let run = try Self.run(Self.lossy, server: options, responseTimeoutMs: 300)
        let expectedKind = switch fault {
        case .error(let id): "error_\(id)"
        case .closeMidResponse: "closed"
        case .malformedFrame: "malformed"
        case .neverAnswer: "timeout"
        }
        #expect(run.handler.stats.recoveryFailures[expectedKind] ?? 0 > 0, "\(run.handler.stats.recoveryFailures)")
        #expect(run.handler.stats.snapshotsApplied == 0)
        let (checked, flagged) = Self.checkBooks(run)
        #expect(checked > 500 && flagged > 0)
        #expect(Self.declaredGaps(run.handler).isSuperset(of: run.simulation.truth.lostOnAllLines))
        Self.checkTrades(run)
        #expect(run.handler.sink.all(SystemMsg.self).contains { $0.msg.string.hasPrefix("recovery feed=mirp state=unavailable") })
    }

    @Test func aServerThatRefusesConnectionsIsLikeNoServer() throws {
        let run = try Self.run(Self.lossy, serve: false)
        #expect(run.handler.stats.recoveryFailures["unreachable"] ?? 0 > 0)
        let (_, flagged) = Self.checkBooks(run)
        #expect(flagged > 0)
        Self.checkTrades(run)
    }

    @Test func aRejectedLoginIsAFailureToo() throws {
        var options = SHFEMDQPServer.Options()
        options.password = "secret"
        let run = try Self.run(Self.lossy, server: options)
        #expect(run.handler.stats.recoveryFailures["error_1"] ?? 0 > 0)
        #expect(run.server.logins == 0)
        _ = Self.checkBooks(run)
    }
}

extension SHFEChannelHandler where Sink == RecordCollector {
    /// The tape has `count` trades.
    func trades(_ count: Int) -> Bool { sink.all(TradeMsg.self).count == count }
}
