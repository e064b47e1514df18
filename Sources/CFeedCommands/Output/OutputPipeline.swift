import ByteIO
import FeedEngine
import Foundation
import TickFormat
import TickRing

/// Where `cfeed replay` writes records. Generic writers, chosen once per run, so the per-record
/// path has no existential.
protocol RecordWriter: RecordSink {
    /// Flushes and closes; `metadata` comes from the pipeline (time range, symbols).
    mutating func finish(_ summary: OutputSummary) throws
    var failure: (any Error)? { get }
    /// Sees every definition, output or not, so symbols can be printed for filtered streams.
    mutating func learnDefinition(_ record: RecordView)
}

extension RecordWriter {
    mutating func learnDefinition(_ record: RecordView) {}
}

/// What passed through the pipeline: the DBN writer needs it for the header.
struct OutputSummary {
    var firstTsRecv: UInt64?
    var lastTsRecv: UInt64?
    var symbols: [UInt32: String] = [:]
    var countsByRType: [UInt8: Int] = [:]
    var total = 0
}

/// Keeps what the user asked for (schemas, symbols), counts it, and hands it to a writer.
struct OutputPipeline<Writer: RecordWriter>: RecordSink {
    var writer: Writer
    let schemas: SchemaSelection
    /// Symbols to keep; nil keeps every instrument.
    let symbolFilter: Set<String>?
    var allowedIDs: Set<UInt32> = []
    var summary = OutputSummary()
    var seenSymbols: Set<String> = []
    /// Sees every record before the filters (the archive recorder's ring).
    var tee: BroadcastRing?

    init(writer: Writer, schemas: SchemaSelection, symbols: Set<String>?) {
        self.writer = writer
        self.schemas = schemas
        symbolFilter = symbols
    }

    mutating func receive(_ record: RecordView) {
        tee?.write(record.bytes)
        let header = record.header
        if let def = record.as(InstrumentDefMsg.self) {
            let symbol = def.rawSymbol.string
            summary.symbols[def.instrumentID] = symbol
            seenSymbols.insert(symbol)
            if symbolFilter?.contains(symbol) ?? true { allowedIDs.insert(def.instrumentID) }
            writer.learnDefinition(record)
        }
        guard schemas.includes(header.rtype) else { return }
        if symbolFilter != nil {
            let channelWide = header.rtype == .system && header.instrumentID == 0
            guard channelWide || allowedIDs.contains(header.instrumentID) else { return }
        }
        let ts = record.indexTimestamp
        if summary.firstTsRecv == nil { summary.firstTsRecv = ts }
        summary.lastTsRecv = ts
        summary.countsByRType[header.rtype.rawValue, default: 0] += 1
        summary.total += 1
        writer.receive(record)
    }
}

/// Text, CSV or JSON lines to a file or standard output.
struct LineWriter: RecordWriter {
    enum Kind { case text, csv, json }
    let kind: Kind
    let sink: FileSink
    var symbols = SymbolBook()
    var failure: (any Error)?

    init(kind: Kind, sink: FileSink, csvHeader: String = RecordFormat.csvHeader) {
        self.kind = kind
        self.sink = sink
        if kind == .csv { write(csvHeader) }
    }

    mutating func learnDefinition(_ record: RecordView) { symbols.learn(record) }

    mutating func receive(_ record: RecordView) {
        let line: String = switch kind {
        case .text: RecordFormat.text(record, symbols)
        case .csv: RecordFormat.csv(record, symbols)
        case .json: RecordFormat.json(record, symbols)
        }
        write(line)
    }

    mutating func write(_ line: String) {
        guard failure == nil else { return }
        var text = line
        text.append("\n")
        do { try text.withUTF8 { try sink.write(UnsafeRawBufferPointer($0)) } } catch { failure = error }
    }

    mutating func finish(_ summary: OutputSummary) throws {
        if let failure { throw failure }
        try sink.close()
    }
}

/// DBN to a file: records go to a side file first, so that the header written at the end carries
/// the real time range and the symbol mappings (Databento's `to_df()` then shows symbols). To
/// standard output the header is written first, with the range unknown.
struct DBNWriter: RecordWriter {
    let path: String?
    let dataset: String
    let schema: Schema
    var sink: FileSink
    var failure: (any Error)?
    var headerWritten = false

    init(path: String?, dataset: String, schema: Schema) throws {
        self.path = path
        self.dataset = dataset
        self.schema = schema
        sink = try path.map { try FileSink(path: $0 + ".partial") } ?? FileSink(descriptor: 1, name: "standard output")
    }

    mutating func receive(_ record: RecordView) {
        guard failure == nil else { return }
        do {
            if path == nil && !headerWritten {
                headerWritten = true
                let header = try Metadata(dataset: dataset, schema: schema, start: record.indexTimestamp).encoded()
                try header.withUnsafeBytes { try sink.write($0) }
            }
            try sink.write(record.bytes)
        } catch { failure = error }
    }

    mutating func finish(_ summary: OutputSummary) throws {
        if let failure { throw failure }
        guard let path else {
            if !headerWritten {
                let header = try Metadata(dataset: dataset, schema: schema, start: 0).encoded()
                try header.withUnsafeBytes { try sink.write($0) }
            }
            return try sink.close()
        }
        try sink.close()
        let start = summary.firstTsRecv ?? 0
        let end = (summary.lastTsRecv ?? start) + 1
        let startDay = Timestamps.civilDate(daysSinceEpoch: Int64(start / 86_400_000_000_000))
        let endDay = Timestamps.civilDate(daysSinceEpoch: Int64(end / 86_400_000_000_000) + 1)
        func yyyymmdd(_ d: (year: Int64, month: Int64, day: Int64)) -> UInt32 { UInt32(d.year * 10_000 + d.month * 100 + d.day) }
        let mappings = summary.symbols.sorted { $0.value < $1.value }.map { id, symbol in
            Metadata.SymbolMapping(rawSymbol: symbol, intervals: [.init(startDate: yyyymmdd(startDay), endDate: yyyymmdd(endDay), symbol: String(id))])
        }
        let metadata = Metadata(dataset: dataset, schema: schema, start: start, end: end,
                                symbols: mappings.map(\.rawSymbol), mappings: mappings)
        let out = try FileSink(path: path)
        let header = try metadata.encoded()
        try header.withUnsafeBytes { try out.write($0) }
        let source = try FileSource(path: path + ".partial")
        while true {
            let chunk = try source.nextChunk()
            if chunk.isEmpty { break }
            try out.write(chunk)
        }
        try out.close()
        unlink(path + ".partial")
    }
}

/// `--format none`: the records go nowhere (an archive, or only the summary, is wanted).
struct NullWriter: RecordWriter {
    var failure: (any Error)? { nil }
    mutating func receive(_ record: RecordView) {}
    mutating func finish(_ summary: OutputSummary) throws {}
}
