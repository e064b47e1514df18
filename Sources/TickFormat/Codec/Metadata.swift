/// The DBN v3 metadata header (spec §3) and its codec.
///
/// Fixed part (112 bytes; fields at odd offsets are read and written unaligned):
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 3 | magic "DBN" |
/// | 3 | 1 | version (3) |
/// | 4 | 4 | length: metadata bytes after this field |
/// | 8 | 16 | dataset |
/// | 24 | 2 | schema (0xFFFF = mixed) |
/// | 26 | 8 | start |
/// | 34 | 8 | end (UNDEF_TIMESTAMP when unknown) |
/// | 42 | 8 | limit |
/// | 50 | 1 | stype_in |
/// | 51 | 1 | stype_out |
/// | 52 | 1 | ts_out |
/// | 53 | 2 | symbol_cstr_len (71) |
/// | 55 | 53 | reserved, zero |
/// | 108 | 4 | schema_definition_length (0) |
///
/// Then `symbols`, `partial`, `not_found` (u32 count + count × char[71] each), `mappings`
/// (u32 count, then per mapping raw_symbol char[71], u32 interval count, intervals of
/// {u32 start_date, u32 end_date, char[71] symbol}), and 0–7 zero bytes to a multiple of 8.
public struct Metadata: Sendable, Equatable {
    public var dataset: String
    public var schema: Schema
    public var start: UInt64
    public var end: UInt64
    public var limit: UInt64
    public var stypeIn: SType
    public var stypeOut: SType
    /// Every record carries an 8-byte ts_out suffix.
    public var tsOut: Bool
    public var symbols: [String]
    public var partial: [String]
    public var notFound: [String]
    public var mappings: [SymbolMapping]

    public struct SymbolMapping: Sendable, Equatable {
        public var rawSymbol: String
        public var intervals: [MappingInterval]
        public init(rawSymbol: String, intervals: [MappingInterval]) {
            self.rawSymbol = rawSymbol
            self.intervals = intervals
        }
    }

    /// `[startDate, endDate)`, dates as YYYYMMDD integers.
    public struct MappingInterval: Sendable, Equatable {
        public var startDate: UInt32
        public var endDate: UInt32
        public var symbol: String
        public init(startDate: UInt32, endDate: UInt32, symbol: String) {
            self.startDate = startDate
            self.endDate = endDate
            self.symbol = symbol
        }
    }

    public init(dataset: String, schema: Schema, start: UInt64, end: UInt64 = undefTimestamp, limit: UInt64 = 0,
                stypeIn: SType = .rawSymbol, stypeOut: SType = .instrumentID, tsOut: Bool = false,
                symbols: [String] = [], partial: [String] = [], notFound: [String] = [],
                mappings: [SymbolMapping] = []) {
        self.dataset = dataset
        self.schema = schema
        self.start = start
        self.end = end
        self.limit = limit
        self.stypeIn = stypeIn
        self.stypeOut = stypeOut
        self.tsOut = tsOut
        self.symbols = symbols
        self.partial = partial
        self.notFound = notFound
        self.mappings = mappings
    }

    /// Offsets of the fields a writer patches in place when it closes a file (spec §3.3).
    public static let startOffset = 26
    public static let endOffset = 34
    public static let limitOffset = 42
    static let fixedSize = 112
    static let minimumLength = 120

    /// Size in bytes of the encoded header.
    public var encodedSize: Int {
        var body = Metadata.minimumLength + symbolCStrLen * (symbols.count + partial.count + notFound.count)
        for m in mappings { body += 75 + 79 * m.intervals.count }
        return 8 + ((body + 7) & ~7)
    }
}

/// Metadata a caller asked to encode but that DBN cannot hold.
public struct MetadataEncodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

extension Metadata {
    /// The encoded header. Throws if a string does not fit its field or is not ASCII.
    public func encoded() throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(encodedSize)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ s: String, width: Int, field: String) throws {
            let utf8 = Array(s.utf8)
            guard utf8.count < width, utf8.allSatisfy({ $0 > 0 && $0 < 0x80 }) else {
                throw MetadataEncodingError(description:
                    "metadata \(field) '\(s)' must be ASCII and shorter than \(width) characters")
            }
            out.append(contentsOf: utf8)
            out.append(contentsOf: repeatElement(0, count: width - utf8.count))
        }
        func putSymbols(_ list: [String], field: String) throws {
            put(UInt32(list.count))
            for s in list { try putString(s, width: symbolCStrLen, field: field) }
        }

        out.append(contentsOf: Array("DBN".utf8))
        out.append(dbnVersion)
        put(UInt32(encodedSize - 8))
        try putString(dataset, width: 16, field: "dataset")
        put(schema.rawValue)
        put(start)
        put(end)
        put(limit)
        out.append(stypeIn.rawValue)
        out.append(stypeOut.rawValue)
        out.append(tsOut ? 1 : 0)
        put(UInt16(symbolCStrLen))
        out.append(contentsOf: repeatElement(0, count: 53))
        put(UInt32(0))  // schema_definition_length
        try putSymbols(symbols, field: "symbol")
        try putSymbols(partial, field: "partial symbol")
        try putSymbols(notFound, field: "not_found symbol")
        put(UInt32(mappings.count))
        for m in mappings {
            try putString(m.rawSymbol, width: symbolCStrLen, field: "mapping raw_symbol")
            put(UInt32(m.intervals.count))
            for i in m.intervals {
                put(i.startDate)
                put(i.endDate)
                try putString(i.symbol, width: symbolCStrLen, field: "mapping symbol")
            }
        }
        out.append(contentsOf: repeatElement(0, count: encodedSize - out.count))
        return out
    }

    /// The total size of the metadata header that starts `bytes`, read from its first 8 bytes, or
    /// nil when fewer than 8 bytes are available. Throws for bad magic or version.
    public static func headerSize(_ bytes: UnsafeRawBufferPointer) throws(DBNError) -> Int? {
        guard bytes.count >= 8 else {
            // Check the magic as far as it goes, so a short non-DBN file is reported as such.
            let magic = Array("DBN".utf8)
            for i in 0..<min(bytes.count, 3) where bytes[i] != magic[i] { throw .badMagic(offset: 0) }
            return nil
        }
        guard bytes[0] == 0x44, bytes[1] == 0x42, bytes[2] == 0x4E else { throw .badMagic(offset: 0) }
        guard bytes[3] == dbnVersion else { throw .unsupportedVersion(bytes[3], offset: 3) }
        let length = Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        guard length >= minimumLength else {
            throw .invalidMetadata("length \(length) is below the minimum \(minimumLength)", offset: 4)
        }
        return 8 + length
    }

    /// Decodes a complete metadata header (`bytes` holds at least `headerSize(bytes)` bytes).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DBNError) -> Metadata {
        guard let size = try headerSize(bytes) else {
            throw .truncatedMetadata(offset: 0, needed: 8, available: bytes.count)
        }
        guard bytes.count >= size else { throw .truncatedMetadata(offset: 0, needed: size, available: bytes.count) }
        var reader = MetadataReader(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<size]))
        return try reader.read()
    }
}

/// Reads the metadata fields in order, checking every count against the bytes that remain, so a
/// corrupt count is an error and never a huge allocation or an out-of-bounds read.
private struct MetadataReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 8

    mutating func int<T: FixedWidthInteger>(_: T.Type) throws(DBNError) -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= bytes.count else {
            throw .invalidMetadata("field overruns the header length", offset: offset)
        }
        defer { offset += n }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    mutating func string(width: Int) throws(DBNError) -> String {
        guard offset + width <= bytes.count else {
            throw .invalidMetadata("string overruns the header length", offset: offset)
        }
        defer { offset += width }
        let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + width])
        let end = field.firstIndex(of: 0) ?? width
        return String(decoding: field[..<end], as: Unicode.ASCII.self)
    }

    mutating func count(itemSize: Int, what: String) throws(DBNError) -> Int {
        let at = offset
        let n = Int(try int(UInt32.self))
        guard n <= (bytes.count - offset) / itemSize else {
            throw .invalidMetadata("\(what) count \(n) overruns the header", offset: at)
        }
        return n
    }

    mutating func symbolList(_ what: String) throws(DBNError) -> [String] {
        let n = try count(itemSize: symbolCStrLen, what: what)
        var list: [String] = []
        for _ in 0..<n { list.append(try string(width: symbolCStrLen)) }
        return list
    }

    mutating func read() throws(DBNError) -> Metadata {
        let dataset = try string(width: 16)
        let schema = Schema(rawValue: try int(UInt16.self))
        let start = try int(UInt64.self)
        let end = try int(UInt64.self)
        let limit = try int(UInt64.self)
        let stypeIn = SType(rawValue: try int(UInt8.self))
        let stypeOut = SType(rawValue: try int(UInt8.self))
        let tsOutAt = offset
        let tsOut = try int(UInt8.self)
        guard tsOut <= 1 else { throw .invalidMetadata("ts_out is \(tsOut), not 0 or 1", offset: tsOutAt) }
        let cstrAt = offset
        let cstrLen = try int(UInt16.self)
        guard Int(cstrLen) == symbolCStrLen else {
            throw .invalidMetadata("symbol_cstr_len is \(cstrLen), v3 requires \(symbolCStrLen)", offset: cstrAt)
        }
        offset = 108
        let schemaDefinitionLength = try int(UInt32.self)
        guard schemaDefinitionLength == 0 else {
            throw .invalidMetadata("schema_definition_length is \(schemaDefinitionLength), must be 0", offset: 108)
        }
        let symbols = try symbolList("symbols")
        let partial = try symbolList("partial")
        let notFound = try symbolList("not_found")
        let mappingCount = try count(itemSize: 75, what: "mappings")
        var mappings: [Metadata.SymbolMapping] = []
        for _ in 0..<mappingCount {
            let raw = try string(width: symbolCStrLen)
            let n = try count(itemSize: 79, what: "mapping intervals")
            var intervals: [Metadata.MappingInterval] = []
            for _ in 0..<n {
                let startDate = try int(UInt32.self)
                let endDate = try int(UInt32.self)
                intervals.append(.init(startDate: startDate, endDate: endDate, symbol: try string(width: symbolCStrLen)))
            }
            mappings.append(.init(rawSymbol: raw, intervals: intervals))
        }
        guard bytes.count - offset < 8 else {
            throw .invalidMetadata("\(bytes.count - offset) unexplained bytes after the mappings", offset: offset)
        }
        return Metadata(dataset: dataset, schema: schema, start: start, end: end, limit: limit, stypeIn: stypeIn,
                        stypeOut: stypeOut, tsOut: tsOut == 1, symbols: symbols, partial: partial,
                        notFound: notFound, mappings: mappings)
    }
}
