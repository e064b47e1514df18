import ByteIO
import Testing
import TestSupport
@testable import TickFormat

/// The streaming decoder: any chunking gives the same records, and every kind of bad input is a
/// typed error at the right byte offset, never a crash or an out-of-bounds read.
@Suite struct DecoderTests {
    /// Every golden file, cut into chunks of every size from 1 to 97 bytes, decodes to the same records.
    @Test(arguments: Golden.all.map(\.name))
    func chunkBoundariesDoNotMatter(name: String) throws {
        let bytes = try FileSource.readAll(path: TestPaths.golden(name))
        let whole = try decodeAll(bytes, chunkSize: bytes.count)
        for chunkSize in 1...97 {
            let chunked = try decodeAll(bytes, chunkSize: chunkSize)
            #expect(chunked.records == whole.records, "chunk size \(chunkSize)")
            #expect(chunked.metadata == whole.metadata)
        }
    }

    @Test func wrongMagic() throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        bytes[1] = UInt8(ascii: "X")
        #expect(throws: DBNError.badMagic(offset: 0)) { try decodeAll(bytes, chunkSize: 4096) }
        // A short file that is clearly not DBN is reported as such, not as "truncated".
        #expect(throws: DBNError.badMagic(offset: 0)) { try decodeAll(Array("PK".utf8), chunkSize: 1) }
    }

    @Test(arguments: [UInt8(0), 1, 2, 4, 255])
    func otherVersionsAreRejected(version: UInt8) throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        bytes[3] = version
        #expect(throws: DBNError.unsupportedVersion(version, offset: 3)) { try decodeAll(bytes, chunkSize: 4096) }
        let message = DBNError.unsupportedVersion(version, offset: 3).description
        #expect(message.contains("version \(version)"))
    }

    @Test func truncatedHeader() throws {
        let bytes = try FileSource.readAll(path: TestPaths.golden("mbp1_symbols.v3.dbn"))
        for cut in [0, 5, 8, 100, 359] {
            #expect(throws: DBNError.self) { try decodeAll(Array(bytes[0..<cut]), chunkSize: 7) }
            do {
                _ = try decodeAll(Array(bytes[0..<cut]), chunkSize: 7)
            } catch let error as DBNError {
                guard case .truncatedMetadata(let offset, let needed, let available) = error else {
                    Issue.record("cut \(cut): \(error)")
                    continue
                }
                #expect(offset == 0 && available == cut)
                #expect(needed == (cut >= 8 ? 360 : 8))
            }
        }
    }

    @Test func truncatedRecordNamesItsOffset() throws {
        let bytes = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        #expect(throws: DBNError.truncatedRecord(offset: 176, length: 48, available: 20)) {
            try decodeAll(Array(bytes[0..<196]), chunkSize: 13)
        }
    }

    @Test func recordLengthSmallerThanTheHeader() throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        bytes[176] = 2  // 8 bytes
        #expect(throws: DBNError.recordTooShort(offset: 176, length: 8, minimum: 16)) {
            try decodeAll(bytes, chunkSize: 4096)
        }
        bytes[176] = 0  // a zero length would loop forever in a naive reader
        #expect(throws: DBNError.recordTooShort(offset: 176, length: 0, minimum: 16)) {
            try decodeAll(bytes, chunkSize: 5)
        }
    }

    @Test func recordLengthSmallerThanItsType() throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("mbp10_two.v3.dbn"))
        bytes[128] = 20  // an MBP-10 record claiming 80 bytes
        #expect(throws: DBNError.recordTooShort(offset: 128, length: 80, minimum: 368)) {
            try decodeAll(bytes, chunkSize: 4096)
        }
    }

    @Test func unknownRType() throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        bytes[177] = 0x99
        #expect(throws: DBNError.unknownRType(0x99, offset: 177)) { try decodeAll(bytes, chunkSize: 4096) }
    }

    @Test func badMetadataCountsAreErrorsNotAllocations() throws {
        var bytes = try FileSource.readAll(path: TestPaths.golden("mbp1_symbols.v3.dbn"))
        bytes.replaceSubrange(112..<116, with: [0xFF, 0xFF, 0xFF, 0x7F])  // 2 billion symbols
        #expect(throws: DBNError.invalidMetadata("symbols count 2147483647 overruns the header", offset: 112)) {
            try decodeAll(bytes, chunkSize: 4096)
        }
        var short = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        short[4] = 16  // metadata length below the minimum
        #expect(throws: DBNError.self) { try decodeAll(short, chunkSize: 4096) }
        var cstr = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        cstr[53] = 22  // a v1 symbol width in a v3 header
        #expect(throws: DBNError.invalidMetadata("symbol_cstr_len is 22, v3 requires 71", offset: 53)) {
            try decodeAll(cstr, chunkSize: 4096)
        }
    }

    /// Random corruption of real files: the decoder either decodes or throws; it never crashes, and
    /// every record it delivers is within the bytes it was given.
    @Test func randomCorruptionNeverCrashes() throws {
        var rng = SplitMix64(seed: 42)
        let sources = try Golden.all.map { try FileSource.readAll(path: TestPaths.golden($0.name)) }
        for trial in 0..<3000 {
            var bytes = sources[trial % sources.count]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            if rng.next() % 3 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            let total = bytes.count
            _ = try? decodeAll(bytes, chunkSize: 1 + Int(rng.next() % 64)) { view in
                #expect(view.bytes.count >= 16 && view.bytes.count <= total)
            }
        }
    }

    @Test func metadataRoundTripsWithEverySection() throws {
        let metadata = Metadata(
            dataset: "CF.CME.MDP3", schema: .mixed, start: 1, end: 2, limit: 3, stypeIn: .rawSymbol,
            stypeOut: .instrumentID, tsOut: false, symbols: ["GH1H7", "GB2M7"], partial: ["GH1U7"],
            notFound: ["XX"],
            mappings: [
                .init(rawSymbol: "GH1H7", intervals: [.init(startDate: 20270104, endDate: 20270105, symbol: "910001"),
                                                      .init(startDate: 20270105, endDate: 20270106, symbol: "910001")]),
                .init(rawSymbol: "GB2M7", intervals: []),
            ])
        let bytes = try metadata.encoded()
        #expect(bytes.count == metadata.encodedSize)
        #expect(bytes.count % 8 == 0)
        let decoded = try bytes.withUnsafeBytes { try Metadata.decode($0) }
        #expect(decoded == metadata)
        #expect(throws: MetadataEncodingError.self) {
            try Metadata(dataset: "A.DATASET.TOO.LONG", schema: .mbo, start: 0).encoded()
        }
    }

    @Test func singleSchemaStreamsRefuseOtherRecordTypes() throws {
        var encoder = try DBNEncoder(sink: [UInt8](), metadata: Metadata(dataset: "X", schema: .trades, start: 0))
        let status = StatusMsg(publisherID: 1, instrumentID: 1, tsEvent: 0, tsRecv: 0, action: .trading,
                               reason: .scheduled, isTrading: .yes, isQuoting: .yes)
        #expect(throws: DBNEncodingError.rtypeNotInSchema(.status, .trades)) { try encoder.encode(status) }
        var mixed = try DBNEncoder(sink: [UInt8](), metadata: Metadata(dataset: "X", schema: .mixed, start: 0))
        try mixed.encode(status)
        try mixed.encode(SystemMsg(tsEvent: 5, msg: "gap on line A", code: .unset))
        let decoded = try decodeAll(mixed.sink, chunkSize: 3)
        #expect(decoded.records.count == 2)
    }

    @Test func fileWriterPatchesTheTimeRange() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("out.dbn")
        var writer = try DBNFileWriter(path: path, metadata: Metadata(dataset: "CF.CME.MDP3", schema: .trades, start: 0))
        for record in Golden.tradesMin.records { try writer.write(record as! TradeMsg) }
        try writer.close(start: Golden.t0, end: Golden.t0 + 60_000_000_000)
        var metadata = Golden.tradesMin.metadata
        metadata.dataset = "CF.CME.MDP3"
        let decoded = try decodeAll(try FileSource.readAll(path: path), chunkSize: 4096)
        #expect(decoded.metadata == metadata)
        #expect(decoded.records.count == 2)
    }
}

struct Decoded {
    var metadata: Metadata?
    var records: [[UInt8]]
}

@discardableResult
func decodeAll(_ bytes: [UInt8], chunkSize: Int, each: (RecordView) -> Void = { _ in }) throws -> Decoded {
    let decoder = DBNDecoder()
    var records: [[UInt8]] = []
    var position = 0
    while position < bytes.count {
        let end = min(bytes.count, position + chunkSize)
        try bytes[position..<end].withUnsafeBytes { chunk in
            try decoder.feed(chunk) { view in
                each(view)
                records.append(Array(view.bytes))
            }
        }
        position = end
    }
    try decoder.finish()
    return Decoded(metadata: decoder.metadata, records: records)
}

