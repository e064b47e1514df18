public import ArgumentParser
import ByteIO
import FeedEngine
import Foundation
import TickArchive
import TickFormat
import Glibc

/// `cfeed query DIR --venue V ...`: records or OHLCV bars from an archive directory.
public struct Query: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Query an archive directory: one schema, some symbols, a [start, end) window on ts_recv.",
        discussion: """
            The index selects the frames to read, so a query costs what it returns. Results come in
            ts_recv order across files; OHLCV bars are computed from trades and bucketed by ts_event
            (a bar's ts_event is the start of its interval; intervals without trades have no bar).
            Times are ISO 8601 (UTC, or with an offset) or nanoseconds since the epoch.
            """)

    @Argument(help: "The archive directory (written by --archive DIR).")
    var directory: String

    @Option(help: "Venue: cme, ice or shfe.")
    var venue: String

    @Option(help: "Comma-separated raw symbols (default: all).")
    var symbols: String?

    @Option(help: "One of: \(ArchiveQuery.schemaNames.joined(separator: ", ")).")
    var schema: String

    @Option(help: "Inclusive start on ts_recv (default: the beginning).")
    var start: String?

    @Option(help: "Exclusive end on ts_recv (default: the end).")
    var end: String?

    @Option(help: "Output format: text, csv, json (JSON lines) or dbn.")
    var format: String = "text"

    @Option(help: "At most this many results.")
    var limit: Int?

    @Option(help: "Write results to this file instead of standard output.")
    var out: String?

    @Flag(name: .customLong("skip-corrupt"), help: "Skip damaged frames (each reported on stderr) instead of failing.")
    var skipCorrupt = false

    public init() {}

    public func run() throws {
        try check()
        let output = ArchiveQuery.output(named: schema)!
        let symbolList = symbols.map { $0.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty } }
        let query = ArchiveQuery(venue: venue, symbols: symbolList, output: output,
                                 start: start.flatMap(Timestamps.parse) ?? 0, end: end.flatMap(Timestamps.parse) ?? .max,
                                 limit: limit, skipCorrupt: skipCorrupt)
        let engine: QueryEngine
        do { engine = try QueryEngine(directory: directory, query: query) } catch { throw CLIFailure(error) }
        let dataset = (try? engine.files.first?.metadata().dataset) ?? "CF.\(venue.uppercased())"
        let selected = engine.instrumentIDs.map { ids in engine.symbols.filter { ids.contains($0.key) } } ?? engine.symbols

        let count: Int
        switch format {
        case "dbn":
            let writer = try openOutput { try DBNWriter(path: out, dataset: dataset, schema: output.schema) }
            count = try execute(engine, writer: writer, symbols: selected)
        default:
            let kind: LineWriter.Kind = format == "csv" ? .csv : format == "json" ? .json : .text
            let sink = try openOutput { try out.map { try FileSink(path: $0) } ?? FileSink(descriptor: 1, name: "standard output") }
            var writer = LineWriter(kind: kind, sink: sink, csvHeader: { if case .ohlcv = output { RecordFormat.ohlcvCSVHeader } else { RecordFormat.csvHeader } }())
            writer.symbols.symbols = engine.symbols
            count = try execute(engine, writer: writer, symbols: selected)
        }
        for skipped in engine.skipped { printError("cfeed: warning: skipped \(skipped)") }
        if out != nil || isatty(1) == 0 {
            printError("query: \(count) results from \(engine.selectedFrames) of \(engine.totalFrames) frames in \(engine.files.count) files")
        }
    }

    /// Argument checks, in `run` so that each is one line on stderr (without the usage text).
    func check() throws {
        guard ["text", "csv", "json", "dbn"].contains(format) else { throw CLIFailure(.usage, "unknown --format '\(format)' (text, csv, json, dbn)") }
        guard ArchiveQuery.output(named: schema) != nil else {
            throw CLIFailure(.usage, "unknown --schema '\(schema)' (\(ArchiveQuery.schemaNames.joined(separator: ", ")))")
        }
        for (name, value) in [("--start", start), ("--end", end)] {
            if let value, Timestamps.parse(value) == nil {
                throw CLIFailure(.usage, "\(name) '\(value)' is not a time (ISO 8601 such as 2027-01-04T14:30:00Z, or ns)")
            }
        }
        if let s = start.flatMap(Timestamps.parse), let e = end.flatMap(Timestamps.parse), s >= e {
            throw CLIFailure(.usage, "--start must be before --end")
        }
        if let limit, limit < 1 { throw CLIFailure(.usage, "--limit must be at least 1") }
    }

    func openOutput<T>(_ open: () throws -> T) throws -> T {
        do { return try open() } catch { throw CLIFailure(.cannotCreateOutput, "\(error)") }
    }

    func execute<W: RecordWriter>(_ engine: QueryEngine, writer: W, symbols: [UInt32: String]) throws -> Int {
        var pipeline = OutputPipeline(writer: writer, schemas: .all, symbols: nil)
        pipeline.summary.symbols = symbols
        var bar = QueryProgress(enabled: isatty(2) == 1)
        let count: Int
        do {
            count = try engine.run(progress: { done, total in bar.update(done: done, total: total) }) { record in
                pipeline.receive(record)
                if let failure = pipeline.writer.failure { throw failure }
            }
        } catch {
            bar.finish()
            throw CLIFailure(error)
        }
        bar.finish()
        do { try pipeline.writer.finish(pipeline.summary) } catch { throw CLIFailure(.ioError, "\(error)") }
        return count
    }
}

/// A progress bar on stderr for queries that read many frames (only on a terminal, only after a
/// second, so short queries print nothing).
struct QueryProgress {
    let enabled: Bool
    private let began = Pacer.now()
    private var lastDraw: UInt64 = 0
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    mutating func update(done: Int, total: Int) {
        guard enabled, total > 0 else { return }
        let now = Pacer.now()
        guard now &- began > 1_000_000_000, now &- lastDraw > 200_000_000 else { return }
        lastDraw = now
        drawn = true
        let width = 30
        let filled = min(width, done * width / total)
        let text = "\rquery [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total) frames "
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    func finish() {
        guard drawn else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
