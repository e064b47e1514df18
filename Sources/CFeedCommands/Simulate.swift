public import ArgumentParser
import ComputeFeed
import ExchangeSim
import FeedEngine
import Foundation
import PacketCapture
import TickFormat
import VenueCME
import VenueICE
import VenueSHFE

/// `cfeed simulate cme ...`: a seeded simulated market written as a capture, with its truth.
public struct Simulate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Simulate a venue's market and write its feeds (lines A and B) as a pcap capture.",
        discussion: "The same seed always gives the same capture. --truth writes the true trade tape and final books as JSON.")

    @Argument(help: "Venue: cme, ice or shfe.")
    var venue: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Length of the simulated session, in seconds.")
    var duration: Double = 60

    @Option(help: "Output capture (pcap, nanosecond timestamps).")
    var out: String?

    @Flag(help: "Send the feeds live on their multicast groups, with the simulated timing, instead of writing a capture.")
    var multicast = false

    @Option(help: "Interface to send multicast on (with --multicast).")
    var interface: String = "127.0.0.1"

    @Option(help: "Pace of --multicast: 1 is real time, 10 ten times faster.")
    var speed: Double = 1

    @Option(help: "JSON configuration with the channel addresses to simulate (see README).")
    var config: String?

    @Option(help: "Also write the truth (trades, final books, packets lost on every line) as JSON.")
    var truth: String?

    @Option(name: .customLong("loss-a"), help: "Probability that line A loses a packet.")
    var lossA: Double = 0

    @Option(name: .customLong("loss-b"), help: "Probability that line B loses a packet.")
    var lossB: Double = 0

    @Option(help: "Probability that a line duplicates a packet.")
    var duplicate: Double = 0

    @Option(help: "Probability that a line delivers a packet after the next one.")
    var reorder: Double = 0

    @Option(help: "Book events (adds, cancels, modifies, aggressive orders) per second across the channel.")
    var rate: Double = 200

    @Option(name: .customLong("snapshot-interval"), help: "Seconds between the starts of two snapshot loops.")
    var snapshotInterval: Double = 1

    @Option(help: "ice, shfe: where to write the reference data of the capture (default: beside --out, FILE.reference.json).")
    var reference: String?

    @Option(help: "shfe: serve MDQP recovery (login, snapshot, retransmission) on HOST:PORT; after the run it keeps serving until SIGINT/SIGTERM or --mdqp-linger.")
    var mdqp: String?

    @Option(name: .customLong("mdqp-linger"), help: "shfe: with --mdqp, seconds to keep serving after the run (default: until SIGINT/SIGTERM).")
    var mdqpLinger: Double?

    @Option(name: .customLong("mdqp-password"), help: "shfe: with --mdqp, the password logins must give (default: any).")
    var mdqpPassword: String?

    @Option(name: .customLong("session-change-at"), help: "ice: restart the multicast server (new SessionNumber) at this fraction of the session, 0 to 1.")
    var sessionChangeAt: Double?

    public init() {}

    public func validate() throws {
        guard out != nil || multicast else { throw ValidationError("give --out FILE.pcap, --multicast, or both") }
        guard IPv4Address(interface) != nil else { throw ValidationError("--interface '\(interface)' is not an IPv4 address") }
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        guard ["cme", "ice", "shfe"].contains(venue) else { throw ValidationError("unknown venue '\(venue)' (cme, ice, shfe)") }
        if let sessionChangeAt, venue != "ice" || !(0...1).contains(sessionChangeAt) {
            throw ValidationError("--session-change-at is for ice, a fraction between 0 and 1")
        }
        if let mdqp {
            guard venue == "shfe" else { throw ValidationError("--mdqp is for shfe (MDQP is the SHFE-style recovery service)") }
            guard Endpoint(mdqp) != nil else { throw ValidationError("--mdqp '\(mdqp)' is not HOST:PORT (an IPv4 address and a port)") }
        }
        if let mdqpLinger, mdqp == nil || mdqpLinger < 0 { throw ValidationError("--mdqp-linger needs --mdqp and a number of seconds ≥ 0") }
        if reference != nil && venue == "cme" { throw ValidationError("--reference is for ice and shfe (CME definitions are on the wire)") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be between 0 and 86400 seconds") }
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be between 0 and 1000000") }
        guard snapshotInterval >= 0.01, snapshotInterval <= 3600 else { throw ValidationError("--snapshot-interval must be between 0.01 and 3600 seconds") }
        for (name, p) in [("--loss-a", lossA), ("--loss-b", lossB), ("--duplicate", duplicate), ("--reorder", reorder)] {
            guard p >= 0, p < 1 else { throw ValidationError("\(name) must be a probability in [0, 1)") }
        }
    }

    public func run() throws {
        let datagrams: [SimDatagram]
        let summary: String
        var truthText: String?
        var referenceData: Data?
        var server: SHFEMDQPServer?
        switch venue {
        case "shfe":
            let config = SHFESimulationConfig(
                seed: seed, durationNs: UInt64(duration * 1e9), eventsPerSecond: rate,
                lineA: LineImpairment(loss: lossA, duplicate: duplicate, reorder: reorder, latencyNs: 20_000),
                lineB: LineImpairment(loss: lossB, duplicate: duplicate, reorder: reorder, latencyNs: 35_000),
                addresses: FeedHandler.Settings.shfeLines(configured: try loadChannel(self.config, venue: "shfe")))
            let simulation = SHFESimulator.run(config)
            datagrams = simulation.datagrams
            if let mdqp, let endpoint = Endpoint(mdqp) {
                var options = SHFEMDQPServer.Options()
                options.password = mdqpPassword
                do {
                    // Live, the server serves what has been multicast so far; for a capture, all of it.
                    server = try SHFEMDQPServer(simulation: simulation, listen: endpoint, options: options, publishAll: !multicast)
                } catch {
                    throw CLIFailure(.usage, error.description)
                }
                printError("serving MDQP on \(server!.endpoint)")
            }
            if truth != nil { truthText = Self.truthJSON(simulation.truth, seed: seed) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            referenceData = try? encoder.encode(simulation.reference)
            summary = "simulated \(simulation.truth.events.count) book events, \(simulation.truth.trades.count) trade summaries, \(simulation.truth.packets) packets (\(simulation.truth.lostOnAllLines.count) lost on both lines)"
        case "ice":
            let config = ICESimulationConfig(
                seed: seed, durationNs: UInt64(duration * 1e9), eventsPerSecond: rate,
                lineA: LineImpairment(loss: lossA, duplicate: duplicate, reorder: reorder, latencyNs: 20_000),
                lineB: LineImpairment(loss: lossB, duplicate: duplicate, reorder: reorder, latencyNs: 35_000),
                snapshotIntervalNs: UInt64(snapshotInterval * 1e9), sessionChangeAt: sessionChangeAt,
                addresses: ICEChannelAddresses(configured: try loadChannel(self.config, venue: "ice")))
            let simulation = ICESimulator.run(config)
            datagrams = simulation.datagrams
            if truth != nil { truthText = Self.truthJSON(simulation.truth, seed: seed) }
            referenceData = simulation.reference.encoded()
            summary = "simulated \(simulation.truth.events.count) matching events, \(simulation.truth.trades.count) trades, \(simulation.truth.livePackets) live packets (\(simulation.truth.lostOnAllLines.count) lost on both lines)"
        default:
            let config = CMESimulationConfig(
                seed: seed, durationNs: UInt64(duration * 1e9), eventsPerSecond: rate,
                lineA: LineImpairment(loss: lossA, duplicate: duplicate, reorder: reorder, latencyNs: 20_000),
                lineB: LineImpairment(loss: lossB, duplicate: duplicate, reorder: reorder, latencyNs: 35_000),
                snapshotLoopIntervalNs: UInt64(snapshotInterval * 1e9),
                addresses: CMEChannelAddresses(configured: try loadCMEChannel(self.config)))
            let simulation = CMESimulator.run(config)
            datagrams = simulation.datagrams
            if truth != nil { truthText = Self.truthJSON(simulation.truth, seed: seed) }
            summary = "simulated \(simulation.truth.events.count) book events, \(simulation.truth.trades.count) trades, \(simulation.truth.incrementalPackets) incremental packets (\(simulation.truth.lostOnAllLines.count) lost on both lines)"
        }
        if multicast {
            do {
                let sender = try MulticastSender(interface: IPv4Address(interface)!)
                var pacer = Pacer(speed: speed)
                var published: Int32 = 0
                for d in datagrams {
                    pacer.wait(until: d.tsRecv)
                    try d.payload.withUnsafeBytes { try sender.send($0, to: d.destination) }
                    if let server, let header = d.payload.withUnsafeBytes({ MIRPHeader.read($0) }), header.packetNo > published {
                        published = header.packetNo
                        server.publish(upTo: published)
                    }
                }
                server?.publish(upTo: Int32.max)
                printError("sent \(sender.sent) datagrams on \(interface) at \(speed)x")
            } catch {
                throw CLIFailure(.ioError, "\(error)")
            }
        }
        let referencePath = reference ?? out.map { ($0.hasSuffix(".pcap") ? String($0.dropLast(5)) : $0) + ".reference.json" }
        do {
            if let referenceData, let referencePath { try referenceData.write(to: URL(fileURLWithPath: referencePath)) }
        } catch {
            throw CLIFailure(.cannotCreateOutput, "cannot write \(referencePath ?? ""): \((error as NSError).localizedDescription)")
        }
        guard let out else {
            if let server { serveUntilStopped(server) }
            return
        }
        do {
            let writer = try PcapWriter(path: out)
            let source = IPv4Address("127.0.0.1")!
            for d in datagrams {
                try writer.writeUDP(timestampNs: d.tsRecv, source: Endpoint(source, UInt16(50_000 + d.line)),
                                    destination: d.destination, payload: d.payload)
            }
            try writer.close()
            if let truth, let truthText { try Data(truthText.utf8).write(to: URL(fileURLWithPath: truth)) }
        } catch {
            throw CLIFailure(.cannotCreateOutput, "\(error)")
        }
        printError("\(summary) -> \(out)" + (referenceData != nil ? " (reference data: \(referencePath ?? ""))" : ""))
        if let server { serveUntilStopped(server) }
    }

    /// Keeps the MDQP server up after the run until SIGINT/SIGTERM or --mdqp-linger.
    func serveUntilStopped(_ server: SHFEMDQPServer) {
        StopSignal.install()
        let deadline = mdqpLinger.map { Pacer.now() + UInt64($0 * 1e9) }
        printError("MDQP server \(server.endpoint) keeps serving " + (mdqpLinger.map { "for \($0) s" } ?? "until interrupted (Ctrl-C)"))
        while !StopSignal.received && deadline.map({ Pacer.now() < $0 }) ?? true { usleep(50_000) }
        let c = server.counts
        server.stop()
        printError("MDQP: \(c.connections) connections, \(c.logins) logins, \(c.snapshots) snapshots, \(c.retransmissions) retransmissions (\(c.packetsRetransmitted) packets), \(c.errors) errors")
    }

    static func truthJSON(_ truth: SHFETruth, seed: UInt64) -> String {
        func levels(_ l: [PriceLevel]) -> [[String: Any]] { l.map { ["price": FixedDecimal.format($0.price), "volume": $0.size] } }
        let object: [String: Any] = [
            "venue": "shfe", "seed": seed, "book_events": truth.events.count, "packets": truth.packets,
            "lost_on_all_lines": truth.lostOnAllLines.sorted(),
            "trades": truth.trades.map { ["instrument_no": $0.instrumentNo, "packet_no": $0.packetNo, "price": FixedDecimal.format($0.price),
                                          "size": $0.size] as [String: Any] },
            "final_books": Dictionary(uniqueKeysWithValues: truth.finalBooks.map {
                (String($0.key), ["bids": levels($0.value.bids), "asks": levels($0.value.asks)] as [String: Any])
            }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func truthJSON(_ truth: ICETruth, seed: UInt64) -> String {
        let object: [String: Any] = [
            "venue": "ice", "seed": seed, "matching_events": truth.events.count, "live_packets": truth.livePackets,
            "session_changes": truth.sessionChanges,
            "lost_on_all_lines": truth.lostOnAllLines.keys.sorted().map { ["session": $0 >> 32, "sequence": $0 & 0xFFFF_FFFF, "messages": truth.lostOnAllLines[$0]!] },
            "trades": truth.trades.map {
                ["market_id": $0.marketID, "ts_event": String($0.tsEvent), "price": FixedDecimal.format($0.price), "size": $0.size,
                 "side": $0.side.description, "session": $0.messageKey >> 32, "sequence": $0.messageKey & 0xFFFF_FFFF] as [String: Any]
            },
            "final_orders": Dictionary(uniqueKeysWithValues: truth.finalOrders.map { id, orders in
                (String(id), orders.map { ["order_id": String($0.orderID), "side": $0.isBid ? "B" : "A", "price": FixedDecimal.format($0.price),
                                           "quantity": $0.quantity] as [String: Any] })
            }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func truthJSON(_ truth: CMETruth, seed: UInt64) -> String {
        func levels(_ l: [PriceLevel]) -> [[String: Any]] {
            l.map { ["price": FixedDecimal.format($0.price), "size": $0.size, "orders": $0.orders] }
        }
        let object: [String: Any] = [
            "venue": "cme", "seed": seed, "book_events": truth.events.count,
            "incremental_packets": truth.incrementalPackets,
            "instruments": Dictionary(uniqueKeysWithValues: truth.symbols.map { (String($0.key), $0.value) }),
            "lost_on_all_lines": truth.lostOnAllLines.sorted(),
            "trades": truth.trades.map {
                ["instrument_id": $0.instrumentID, "ts_event": String($0.tsEvent), "price": FixedDecimal.format($0.price),
                 "size": $0.size, "side": $0.side.description, "packet_sequence": $0.packetSequence] as [String: Any]
            },
            "final_books": Dictionary(uniqueKeysWithValues: truth.finalBooks.map {
                (String($0.key), ["ts_event": String($0.value.tsEvent), "bids": levels($0.value.bids), "asks": levels($0.value.asks)] as [String: Any])
            }),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
