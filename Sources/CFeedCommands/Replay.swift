public import ArgumentParser
import ComputeFeed
import ByteIO
import FeedEngine
import Foundation
import PacketCapture
import TickArchive
import TickFormat
import TickRing
import VenueCME
import VenueICE
import VenueSHFE
import Glibc

/// `cfeed replay FILE --venue cme|ice`: runs a capture through the handler at full speed.
public struct Replay: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Replay a capture through the feed handler and print normalized DBN records, then a summary.",
        discussion: """
            Records go to standard output (or --out); the summary goes to standard error. Only the
            schemas selected with --schema are built at all. Channel addresses default to
            specs/instruments.md and are overridden by --config.
            """)

    @Argument(help: "The capture (pcap or pcapng).")
    var file: String

    @Option(help: "Venue of the capture: cme, ice or shfe.")
    var venue: String

    @Option(help: "ice, shfe: the capture's reference data (JSON; specs/instruments.md).")
    var reference: String?

    /// (The capture clock stops while the server answers.)
    @OptionGroup var mdqpOptions: MDQPOptions

    @Option(help: "Output format: text, csv, json (JSON lines), dbn, or none (only the summary, and the archive).")
    var format: String = "text"

    @Option(help: "Write records to this file instead of standard output.")
    var out: String?

    @Option(help: "Comma-separated schemas to build and output: mbo, mbp-1, mbp-10, trades, definition, status, statistics, system (default: all).")
    var schema: String?

    @Option(help: "Comma-separated symbols to output (default: all).")
    var symbols: String?

    @Option(name: .customLong("stats-json"), help: "Write the summary as JSON to this file.")
    var statsJSON: String?

    @Option(help: "JSON configuration with the channel addresses (see README).")
    var config: String?

    @Flag(help: "Exit with code 65 on any data-quality problem: gaps, malformed packets, skipped frames, instruments stale at the end.")
    var strict = false

    @Flag(help: "Do not print the summary.")
    var quiet = false

    @Option(help: "Pace: max (as fast as possible, the default), 1 (real time), 10, or any factor; bursts keep their shape.")
    var speed: String = "max"

    @Option(help: "Start at this capture time: ISO 8601 (UTC or with an offset) or ns since the epoch.")
    var start: String?

    @Option(help: "Stop before this capture time (the window is [start, end)).")
    var end: String?

    @Option(help: "Replay one line only: A or B.")
    var line: String?

    @Flag(name: .customLong("emit-multicast"), help: "Also re-send every datagram onto its group, with the capture's pacing (see --speed).")
    var emitMulticast = false

    @Option(help: "Interface for --emit-multicast.")
    var interface: String = "127.0.0.1"

    @OptionGroup var archiveOptions: ArchiveOptions

    public init() {}

    public func validate() throws {
        guard ["text", "csv", "json", "dbn", "none"].contains(format) else {
            throw ValidationError("unknown --format '\(format)' (text, csv, json, dbn, none)")
        }
        guard ["cme", "ice", "shfe"].contains(venue) else { throw ValidationError("unknown --venue '\(venue)' (cme, ice, shfe)") }
        if venue != "cme" && reference == nil { throw ValidationError("--venue \(venue) needs --reference FILE (the capture's reference data)") }
        if venue == "cme" && reference != nil { throw ValidationError("--reference is for --venue ice and shfe (CME definitions are on the wire)") }
        if mdqpOptions.mdqp != nil {
            guard venue == "shfe" else { throw ValidationError("--mdqp is for --venue shfe (MDQP is the SHFE-style recovery service)") }
        }
        if let schema, case .failure(let error) = SchemaSelection.parse(schema) { throw ValidationError(error.description) }
        guard speed == "max" || (Double(speed).map { $0 > 0 } ?? false) else {
            throw ValidationError("--speed must be max or a positive number, not '\(speed)'")
        }
        for (name, value) in [("--start", start), ("--end", end)] {
            if let value, Timestamps.parse(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a time (ISO 8601 such as 2027-01-04T14:30:00Z, or ns)")
            }
        }
        if let s = start.flatMap(Timestamps.parse), let e = end.flatMap(Timestamps.parse), s >= e {
            throw ValidationError("--start must be before --end")
        }
        if let line, line != "A" && line != "B" { throw ValidationError("--line must be A or B") }
        guard IPv4Address(interface) != nil else { throw ValidationError("--interface '\(interface)' is not an IPv4 address") }
    }

    public func run() throws {
        let selection = try schema.map { try SchemaSelection.parse($0).get() } ?? .all
        let dataset = venue == "ice" ? ICEMapping.dataset : venue == "shfe" ? SHFEMapping.dataset : CMEMapping.dataset
        // A bad reference file is reported before any output is created.
        if let reference { _ = venue == "ice" ? try loadICEReference(reference).venue : try loadSHFEReference(reference).venue }
        let symbolSet = symbols.map { Set($0.split(separator: ",").map { String($0).trimmed }) }
        let reader: PcapReader
        do { reader = try PcapReader(path: file) } catch { throw CLIFailure(.unreadableInput, error.description) }

        let summary: ReplaySummary
        switch format {
        case "dbn":
            let dbnSchema = Self.dbnSchema(for: selection)
            let effective = dbnSchema == .mixed ? selection : selection.subtracting(.system)
            let writer = try openOutput { try DBNWriter(path: out, dataset: dataset, schema: dbnSchema) }
            summary = try replay(reader, schemas: effective, symbols: symbolSet, writer: writer)
        case "none":
            summary = try replay(reader, schemas: selection, symbols: symbolSet, writer: NullWriter())
        default:
            let kind: LineWriter.Kind = format == "csv" ? .csv : format == "json" ? .json : .text
            let sink = try openOutput { try out.map { try FileSink(path: $0) } ?? FileSink(descriptor: 1, name: "standard output") }
            summary = try replay(reader, schemas: selection, symbols: symbolSet,
                                 writer: LineWriter(kind: kind, sink: sink))
        }
        if !quiet { printError(summary.text) }
        if let statsJSON {
            do { try Data(summary.json.utf8).write(to: URL(fileURLWithPath: statsJSON)) } catch {
                throw CLIFailure(.cannotCreateOutput, "cannot write \(statsJSON): \((error as NSError).localizedDescription)")
            }
        }
        if let missing = symbolSet?.subtracting(summary.seenSymbols), !missing.isEmpty {
            printError("cfeed: warning: no instrument named \(missing.sorted().joined(separator: ", ")) in the capture")
        }
        if strict, let problem = summary.dataQualityProblem {
            throw CLIFailure(.dataQuality, "\(problem) (--strict)")
        }
    }

    /// A single record type gets its own schema; anything else is a mixed-schema file.
    static func dbnSchema(for selection: SchemaSelection) -> Schema {
        let single: [(SchemaSelection, Schema)] = [(.mbo, .mbo), (.mbp1, .mbp1), (.mbp10, .mbp10), (.trades, .trades),
                                                   (.definition, .definition), (.status, .status), (.statistics, .statistics)]
        return single.first { $0.0 == selection }?.1 ?? .mixed
    }

    func openOutput<T>(_ open: () throws -> T) throws -> T {
        do { return try open() } catch { throw CLIFailure(.cannotCreateOutput, "\(error)") }
    }

    func replay<W: RecordWriter>(_ reader: PcapReader, schemas: SchemaSelection, symbols: Set<String>?, writer: W) throws -> ReplaySummary {
        switch venue {
        case "ice":
            return try replayICE(reader, reference: try loadICEReference(reference!), schemas: schemas, symbols: symbols, writer: writer)
        case "shfe":
            return try replaySHFE(reader, reference: try loadSHFEReference(reference!), schemas: schemas, symbols: symbols, writer: writer)
        default:
            return try replayCME(reader, schemas: schemas, symbols: symbols, writer: writer)
        }
    }

    func replaySHFE<W: RecordWriter>(_ reader: PcapReader, reference: SHFEReferenceData, schemas: SchemaSelection,
                                     symbols: Set<String>?, writer: W) throws -> ReplaySummary {
        let lines = FeedHandler.Settings.shfeLines(configured: try loadChannel(config, venue: "shfe"))
        let (pipeline, built, recorder) = try prepareOutput(writer: writer, schemas: schemas, symbols: symbols,
                                                            venue: "shfe", dataset: SHFEMapping.dataset)
        let agent = mdqpOptions.client.map {
            MDQPRecoveryAgent(configuration: $0, topicID: reference.topicID)
        }
        defer { agent?.stop() }
        let handler = SHFEChannelHandler(reference: reference, configuration: SHFEChannelConfiguration(schemas: built), sink: pipeline,
                                         recovery: agent)
        let counts = try replayLoop(reader, feeds: 1, recorder: recorder,
                                    route: { d in lines.firstIndex(of: d).map { (0, $0) } },
                                    deliver: { payload, _, line, ts in
                                        handler.receive(payload, line: line, tsRecv: ts)
                                        handler.settleRecovery()  // a replay is the same at any speed: the server answers "at once"
                                    })
        handler.finish()
        try finishOutput(recorder: recorder, writer: &handler.sink.writer, summary: handler.sink.summary)
        return ReplaySummary(capture: file, reader: reader, counts: counts, shfe: handler, output: handler.sink.summary,
                             seenSymbols: handler.sink.seenSymbols)
    }

    func replayCME<W: RecordWriter>(_ reader: PcapReader, schemas: SchemaSelection, symbols: Set<String>?,
                                    writer: W) throws -> ReplaySummary {
        let addresses = CMEChannelAddresses(configured: try loadCMEChannel(config))
        let (pipeline, built, recorder) = try prepareOutput(writer: writer, schemas: schemas, symbols: symbols,
                                                            venue: "cme", dataset: CMEMapping.dataset)
        let handler = CMEChannelHandler(configuration: CMEChannelConfiguration(schemas: built), sink: pipeline)
        let counts = try replayLoop(reader, feeds: CMEFeed.allCases.count, recorder: recorder,
                                    route: { addresses.route($0).map { ($0.feed.rawValue, $0.line) } },
                                    deliver: { handler.receive($0, feed: CMEFeed(rawValue: $1)!, line: $2, tsRecv: $3) })
        handler.finish()
        try finishOutput(recorder: recorder, writer: &handler.sink.writer, summary: handler.sink.summary)
        return ReplaySummary(capture: file, reader: reader, counts: counts, cme: handler, output: handler.sink.summary,
                             seenSymbols: handler.sink.seenSymbols)
    }

    func replayICE<W: RecordWriter>(_ reader: PcapReader, reference: ICEReferenceData, schemas: SchemaSelection,
                                    symbols: Set<String>?, writer: W) throws -> ReplaySummary {
        let addresses = ICEChannelAddresses(configured: try loadChannel(config, venue: "ice"))
        let (pipeline, built, recorder) = try prepareOutput(writer: writer, schemas: schemas, symbols: symbols,
                                                            venue: "ice", dataset: ICEMapping.dataset)
        let handler = ICEChannelHandler(reference: reference, configuration: ICEChannelConfiguration(schemas: built), sink: pipeline)
        let counts = try replayLoop(reader, feeds: ICEFeed.allCases.count, recorder: recorder,
                                    route: { addresses.route($0).map { ($0.feed.rawValue, $0.line) } },
                                    deliver: { handler.receive($0, feed: ICEFeed(rawValue: $1)!, line: $2, tsRecv: $3) })
        handler.finish()
        try finishOutput(recorder: recorder, writer: &handler.sink.writer, summary: handler.sink.summary)
        return ReplaySummary(capture: file, reader: reader, counts: counts, ice: handler, output: handler.sink.summary,
                             seenSymbols: handler.sink.seenSymbols)
    }

    /// The output pipeline, the schemas the handler must build, and the archive recorder (`--archive`).
    /// Definitions are always built (they are few): symbols, filters and DBN mappings need them. An
    /// archive also keeps the notices, so that it knows its own gaps and stale periods.
    func prepareOutput<W: RecordWriter>(writer: W, schemas: SchemaSelection, symbols: Set<String>?, venue: String,
                                        dataset: String) throws -> (OutputPipeline<W>, SchemaSelection, RingRecorder?) {
        var pipeline = OutputPipeline(writer: writer, schemas: schemas, symbols: symbols)
        var built = schemas.union(.definition)
        let recorder = try archiveOptions.recorder(venue: venue, dataset: dataset)
        if let recorder {
            built.formUnion(.system)
            pipeline.tee = recorder.ring
        }
        return (pipeline, built, recorder)
    }

    /// What the replay loop saw, per feed index and line.
    struct LoopCounts {
        var udp = 0
        var unrouted = 0
        var datagrams: [[Int]]
    }

    /// Reads the capture in its window, paces it, re-sends it (`--emit-multicast`), and hands each
    /// datagram of the channel to `deliver` with its feed index and line.
    func replayLoop(_ reader: PcapReader, feeds: Int, recorder: RingRecorder?, route: (Endpoint) -> (feed: Int, line: Int)?,
                    deliver: (UnsafeRawBufferPointer, Int, Int, UInt64) -> Void) throws -> LoopCounts {
        var counts = LoopCounts(datagrams: Array(repeating: [0, 0], count: feeds))
        let window = (start.flatMap(Timestamps.parse) ?? 0)..<(end.flatMap(Timestamps.parse) ?? .max)
        let onlyLine = line.map { $0 == "A" ? 0 : 1 }
        var pacer = Pacer(speed: speed == "max" ? nil : Double(speed))
        let emitter: MulticastSender?
        do { emitter = emitMulticast ? try MulticastSender(interface: IPv4Address(interface)!) : nil } catch {
            throw CLIFailure(.usage, error.description)
        }
        var progress = Progress(enabled: isatty(2) == 1)
        do {
            while let datagram = try reader.next() {
                let ts = datagram.timestampNs
                if ts < window.lowerBound { continue }
                if ts >= window.upperBound { break }
                counts.udp += 1
                let routed = route(datagram.destination)
                if let onlyLine, let routed, routed.line != onlyLine { continue }
                pacer.wait(until: ts)
                if let emitter {
                    do { try emitter.send(datagram.payload, to: datagram.destination) } catch {
                        throw CLIFailure(.ioError, error.description)
                    }
                }
                progress.update(packets: counts.udp, captureTime: ts)
                guard let (feed, line) = routed else {
                    counts.unrouted += 1
                    continue
                }
                counts.datagrams[feed][min(line, 1)] += 1
                deliver(datagram.payload, feed, line, ts)
                if let recorder, counts.udp & 255 == 0, recorder.recorder.hasFailed { break }
            }
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure(.unreadableInput, "\(error)")
        }
        progress.finish()
        return counts
    }

    /// Closes the archive (if any) and the record output.
    func finishOutput<W: RecordWriter>(recorder: RingRecorder?, writer: inout W, summary: OutputSummary) throws {
        try recorder?.finish()
        do { try writer.finish(summary) } catch let error as IOError {
            throw CLIFailure(.ioError, error.description)
        } catch {
            throw CLIFailure(.ioError, "\(error)")
        }
    }
}

/// The end-of-replay report: per line, gaps, recoveries, malformed packets, records by type.
struct ReplaySummary {
    var venue: String
    var capture: String
    var packets: Int
    var udpDatagrams: Int
    var unrouted: Int
    var skipped: SkipCounts
    var lines: [(feed: String, line: String, received: Int, delivered: Int?, duplicates: Int?, onlyThisLine: Int?, malformed: Int)] = []
    var gaps: Int
    /// Sequence numbers lost on both lines: packets (CME) or messages (ICE).
    var lostNumbers: UInt64
    var lostUnit: String
    var recoveries: Int
    var instrumentRecoveries: Int
    var staleTransitions: Int
    /// Channel resets (CME) or session changes (ICE), with their label and JSON key.
    var resets: (label: String, key: String, count: Int)
    var malformedPackets: Int
    var malformedReasons: [String: Int]
    var malformedMessages: Int
    /// Venue counters: label, JSON key, value.
    var extras: [(label: String, key: String, value: Int)]
    var staleAtEnd: [String]
    /// A closing remark for the text summary (why stale books stay stale).
    var footnote: String?
    var output: OutputSummary
    var seenSymbols: Set<String>

    init<S>(capture: String, reader: PcapReader, counts: Replay.LoopCounts, cme handler: CMEChannelHandler<S>,
            output: OutputSummary, seenSymbols: Set<String>) {
        venue = "cme"
        self.capture = capture
        packets = reader.packets
        udpDatagrams = counts.udp
        unrouted = counts.unrouted
        skipped = reader.skipped
        for feed in CMEFeed.allCases {
            for (i, name) in ["A", "B"].enumerated() {
                let received = counts.datagrams[feed.rawValue][i]
                let malformed = handler.stats.malformedDatagrams[feed]?[i] ?? 0
                if feed == .incremental {
                    let l = handler.incremental.lines[i]
                    lines.append((feed.description, name, received, l.delivered, l.duplicates, l.onlyThisLine, malformed))
                } else {
                    lines.append((feed.description, name, received, nil, nil, nil, malformed))
                }
            }
        }
        gaps = handler.incremental.gaps
        lostNumbers = handler.incremental.lostNumbers
        lostUnit = "packets"
        let stats = handler.stats
        recoveries = stats.recoveries
        instrumentRecoveries = stats.instrumentRecoveries
        staleTransitions = stats.staleTransitions
        resets = ("channel resets", "channel_resets", stats.channelResets)
        malformedPackets = stats.malformedDatagrams.values.flatMap { $0 }.reduce(0, +)
        malformedReasons = stats.malformedReasons
        malformedMessages = stats.malformedMessages
        extras = [("unknown templates", "unknown_templates", stats.unknownTemplates),
                  ("unknown instruments", "unknown_instrument_entries", stats.unknownInstrumentEntries),
                  ("RptSeq jumps", "rptseq_jumps", stats.rptSeqJumps)]
        staleAtEnd = handler.activeInstruments.filter { $0.isStale || $0.isUnverified }.map(\.symbol)
        self.output = output
        self.seenSymbols = seenSymbols
    }

    init<S>(capture: String, reader: PcapReader, counts: Replay.LoopCounts, ice handler: ICEChannelHandler<S>,
            output: OutputSummary, seenSymbols: Set<String>) {
        venue = "ice"
        self.capture = capture
        packets = reader.packets
        udpDatagrams = counts.udp
        unrouted = counts.unrouted
        skipped = reader.skipped
        for feed in ICEFeed.allCases {
            let names: [String] = feed == .live ? ["A", "B"] : ["A"]
            for (i, name) in names.enumerated() {
                let received = counts.datagrams[feed.rawValue][i]
                let malformed = handler.stats.malformedDatagrams[feed]?[i] ?? 0
                if feed == .live {
                    let l = handler.live.lines[i]
                    lines.append((feed.description, name, received, l.delivered, l.duplicates, l.onlyThisLine, malformed))
                } else {
                    lines.append((feed.description, name, received, nil, nil, nil, malformed))
                }
            }
        }
        gaps = handler.live.gaps
        lostNumbers = handler.live.lostNumbers
        lostUnit = "messages"
        let stats = handler.stats
        recoveries = stats.recoveries
        instrumentRecoveries = stats.marketRecoveries
        staleTransitions = stats.staleTransitions
        resets = ("session changes", "session_changes", stats.sessionChanges)
        malformedPackets = stats.malformedDatagrams.values.flatMap { $0 }.reduce(0, +)
        malformedReasons = stats.malformedReasons
        malformedMessages = stats.malformedMessages
        extras = [("unknown message types", "unknown_message_types", stats.unknownMessageTypes),
                  ("unknown markets", "unknown_market_messages", stats.unknownMarketMessages),
                  ("deletes of unknown orders", "unknown_order_deletes", stats.unknownOrderDeletes),
                  ("snapshot packets lost", "snapshot_gaps", stats.snapshotGaps)]
        staleAtEnd = handler.markets.filter(\.isStale).map(\.symbol)
        self.output = output
        self.seenSymbols = seenSymbols
    }

    init<S>(capture: String, reader: PcapReader, counts: Replay.LoopCounts, shfe handler: SHFEChannelHandler<S>,
            output: OutputSummary, seenSymbols: Set<String>) {
        venue = "shfe"
        self.capture = capture
        packets = reader.packets
        udpDatagrams = counts.udp
        unrouted = counts.unrouted
        skipped = reader.skipped
        for (i, name) in ["A", "B"].enumerated() {
            let l = handler.arbiter.lines[i]
            lines.append(("mirp", name, counts.datagrams[0][i], l.delivered, l.duplicates, l.onlyThisLine, handler.stats.malformedDatagrams[i]))
        }
        gaps = handler.arbiter.gaps
        lostNumbers = handler.arbiter.lostNumbers
        lostUnit = "packets"
        let stats = handler.stats
        recoveries = stats.retransmissionRecoveries + stats.snapshotsApplied
        instrumentRecoveries = stats.instrumentsRecovered
        staleTransitions = stats.staleTransitions
        resets = ("session changes", "session_changes", stats.sessionChanges)
        malformedPackets = stats.malformedDatagrams.reduce(0, +)
        malformedReasons = stats.malformedReasons
        malformedMessages = stats.orphanFields
        extras = [("unknown instruments", "unknown_instrument_groups", stats.unknownInstrumentGroups),
                  ("ChangeNo jumps", "changeno_jumps", stats.changeNoJumps),
                  ("instruments verified after gaps", "verified_after_gap", stats.verifiedAfterGap),
                  ("book inconsistencies", "book_inconsistencies", stats.bookInconsistencies)]
        if let agent = handler.recovery {
            extras += [("retransmission requests", "retransmission_requests", stats.retransmissionRequests),
                       ("packets retransmitted", "packets_retransmitted", stats.packetsRetransmitted),
                       ("snapshot requests", "snapshot_requests", stats.snapshotRequests),
                       ("snapshots applied", "snapshots_applied", stats.snapshotsApplied),
                       ("packets skipped by snapshots", "packets_skipped_by_snapshots", Int(stats.packetsSkippedBySnapshots)),
                       ("MDQP failures", "mdqp_failures", stats.recoveryFailures.values.reduce(0, +))]
            if let last = stats.lastRecoveryFailure {
                footnote = "MDQP server \(agent.configuration.server): \(stats.recoveryFailures.values.reduce(0, +)) requests failed; last: \(last)"
            }
        }
        staleAtEnd = handler.instruments.indices.map { handler.instruments[$0] }.filter(\.isStale).map(\.symbol)
        if !staleAtEnd.isEmpty && handler.recovery == nil {
            footnote = "no MDQP server (--mdqp): the stale instruments stay flagged (F_MAYBE_BAD_BOOK) until a snapshot or the next session"
        }
        self.output = output
        self.seenSymbols = seenSymbols
    }

    var dataQualityProblem: String? {
        var problems: [String] = []
        if gaps > 0 { problems.append("\(gaps) gaps (\(lostNumbers) \(lostUnit) lost on both lines)") }
        if malformedPackets > 0 { problems.append("\(malformedPackets) malformed packets") }
        if malformedMessages > 0 { problems.append("\(malformedMessages) malformed messages") }
        if skipped.total > 0 { problems.append("\(skipped.total) frames skipped") }
        if !staleAtEnd.isEmpty { problems.append("stale at the end: \(staleAtEnd.joined(separator: ","))") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    func recordName(_ rtype: UInt8) -> String { RType(rawValue: rtype).name }

    var text: String {
        var s = "replay \(capture): \(packets) packets, \(udpDatagrams) UDP datagrams, \(unrouted) not for this channel, \(skipped.total) frames skipped\n"
        let rows = lines.map { l in
            [l.feed, l.line, String(l.received), l.delivered.map(String.init) ?? "-", l.duplicates.map(String.init) ?? "-",
             l.onlyThisLine.map(String.init) ?? "-", String(l.malformed)]
        }
        s += table(header: ["feed", "line", "received", "delivered", "duplicates", "only this line", "malformed"], rows: rows, indent: "  ")
        s += "gaps \(gaps) (\(lostNumbers) \(lostUnit) lost on both lines), recoveries \(recoveries), instruments recovered \(instrumentRecoveries), stale transitions \(staleTransitions), \(resets.label) \(resets.count)\n"
        s += "malformed packets \(malformedPackets), malformed messages \(malformedMessages), " + extras.map { "\($0.label) \($0.value)" }.joined(separator: ", ") + "\n"
        s += "records \(output.total): " + output.countsByRType.sorted { $0.key < $1.key }.map { "\(recordName($0.key)) \($0.value)" }.joined(separator: ", ") + "\n"
        if !staleAtEnd.isEmpty { s += "stale at the end: \(staleAtEnd.joined(separator: ", "))\n" }
        if let footnote { s += footnote + "\n" }
        return s
    }

    var json: String {
        var object: [String: Any] = [
            "capture": capture, "venue": venue, "packets": packets, "udp_datagrams": udpDatagrams, "unrouted_datagrams": unrouted,
            "skipped": Dictionary(uniqueKeysWithValues: SkipReason.allCases.map { ($0.rawValue, skipped[$0]) }),
            "gaps": gaps, "lost_\(lostUnit)": lostNumbers, "recoveries": recoveries,
            "instrument_recoveries": instrumentRecoveries, "stale_transitions": staleTransitions,
            resets.key: resets.count, "malformed_packets": malformedPackets,
            "malformed_reasons": malformedReasons, "malformed_messages": malformedMessages,
            "records_total": output.total, "stale_at_end": staleAtEnd,
            "records": Dictionary(uniqueKeysWithValues: output.countsByRType.map { (recordName($0.key), $0.value) }),
        ]
        for extra in extras { object[extra.key] = extra.value }
        var feeds: [String: [String: [String: Int]]] = [:]
        for l in lines {
            var entry: [String: Int] = ["received": l.received, "malformed": l.malformed]
            if let d = l.delivered { entry["delivered"] = d }
            if let d = l.duplicates { entry["duplicates"] = d }
            if let d = l.onlyThisLine { entry["only_this_line"] = d }
            feeds[l.feed, default: [:]][l.line] = entry
        }
        object["feeds"] = feeds
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension String {
    var trimmed: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

/// A progress line on stderr for long replays, only when stderr is a terminal.
struct Progress {
    let enabled: Bool
    private var lastDraw: UInt64 = 0
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    mutating func update(packets: Int, captureTime: UInt64) {
        guard enabled, packets & 1023 == 0 else { return }
        let now = Pacer.now()
        guard now &- lastDraw > 250_000_000 else { return }
        lastDraw = now
        drawn = true
        let text = "\rreplay: \(packets) datagrams, capture time \(Timestamps.iso8601(captureTime).prefix(23))Z "
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    func finish() {
        guard drawn else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) }
    }
}

/// `--archive DIR` and its settings, shared by `replay` and `run`.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Also write every record into LZ4 archives in this directory (DIR/<venue>/<YYYY-MM-DD>.dbn.lz4).")
    var archive: String?

    @Option(name: .customLong("frame-bytes"), help: "Archive frame size: uncompressed bytes of records per LZ4 frame (4096 to 67108864).")
    var frameBytes: Int = 1 << 20

    @Option(help: "When the archive is synced to disk: frame (after every frame), close, or a number of milliseconds.")
    var fsync: String = "1000"

    func validate() throws {
        guard ArchiveSettings.frameBytesRange.contains(frameBytes) else {
            throw ValidationError("--frame-bytes must be between \(ArchiveSettings.frameBytesRange.lowerBound) and \(ArchiveSettings.frameBytesRange.upperBound)")
        }
        guard ArchiveSettings.parseSync(fsync) != nil else { throw ValidationError("--fsync must be frame, close or a positive number of milliseconds") }
    }

    var settings: ArchiveSettings { ArchiveSettings(frameBytes: frameBytes, sync: ArchiveSettings.parseSync(fsync)!) }

    /// A started lossless recorder on a ring of its own, when `--archive` was given.
    func recorder(venue: String, dataset: String) throws -> RingRecorder? {
        guard let archive else { return nil }
        do {
            let writer = try ArchiveWriter(directory: archive, venue: venue, dataset: dataset, settings: settings)
            let ring = BroadcastRing(capacity: 64 << 20, producerWait: .yield)
            let recorder = ArchiveRecorder(ring: ring, writer: writer, policy: .lossless)
            recorder.start()
            return RingRecorder(ring: ring, recorder: recorder)
        } catch {
            throw CLIFailure(error.kind == .invalidArgument ? .usage : .cannotCreateOutput, error.description)
        }
    }
}

/// A recorder and the ring it reads.
struct RingRecorder {
    let ring: BroadcastRing
    let recorder: ArchiveRecorder

    func finish() throws {
        do { try recorder.finish() } catch { throw CLIFailure(error) }
        let writer = recorder.writer
        printError("archive: \(writer.recordsWritten) records in \(writer.paths.count) file\(writer.paths.count == 1 ? "" : "s"): \(writer.paths.joined(separator: ", "))")
    }
}
