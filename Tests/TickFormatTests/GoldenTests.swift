import ByteIO
import CLZ4
import Foundation
import Testing
import TestSupport
@testable import TickFormat

/// Byte-for-byte equality with the golden files made by Databento's own library, both directions.
@Suite struct GoldenTests {
    static let files = Golden.all

    @Test(arguments: files.map(\.name))
    func encoderReproducesTheGoldenFile(name: String) throws {
        let file = try #require(Self.files.first { $0.name == name })
        let golden = try FileSource.readAll(path: TestPaths.golden(name))
        let ours = try file.encoded()
        #expect(ours.count == golden.count)
        if let i = zip(ours, golden).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(name): first differing byte at offset \(i)")
        }
        #expect(ours == golden)
        #expect(file.metadata.encodedSize == (file.records.isEmpty ? golden.count : Int(golden[4]) + Int(golden[5]) << 8 + 8))
    }

    @Test(arguments: files.map(\.name))
    func decoderReadsEveryField(name: String) throws {
        let file = try #require(Self.files.first { $0.name == name })
        let golden = try FileSource.readAll(path: TestPaths.golden(name))
        let decoder = DBNDecoder()
        var decoded: [[UInt8]] = []
        var tsOuts: [UInt64] = []
        var total = 0
        try decoder.feed(golden) { view in
            let expectedSize = view.rtype.recordSize! + (file.metadata.tsOut ? 8 : 0)
            #expect(view.bytes.count == expectedSize)
            #expect(Int(view.header.length) * 4 == expectedSize)
            total += view.bytes.count
            decoded.append(Array(view.bytes.prefix(view.rtype.recordSize!)))
            if file.metadata.tsOut { tsOuts.append(view.tsOut) }
        }
        try decoder.finish()
        #expect(decoder.metadata == file.metadata)
        #expect(decoder.offset == golden.count)
        #expect(file.metadata.encodedSize + total == golden.count)
        #expect(decoded.count == file.records.count)
        for (bytes, record) in zip(decoded, file.records) {
            var expected = withUnsafeBytes(of: record) { Array($0) }
            if file.metadata.tsOut { expected[0] += 2 }  // the wire length counts the ts_out words
            #expect(bytes == expected)
        }
        #expect(tsOuts == file.tsOut)
    }

    @Test func typedViewsOfTheGoldenRecords() throws {
        var trades: [TradeMsg] = []
        try DBNFileReader.read(path: TestPaths.golden("trades_min.v3.dbn")) { view in
            trades.append(try #require(view.as(TradeMsg.self)))
            #expect(view.as(MboMsg.self) == nil)
            #expect(view.indexTimestamp == view.as(TradeMsg.self)!.tsRecv)
        }
        #expect(trades.map(\.price) == [4_512_250_000_000, 4_512_500_000_000])
        #expect(trades.map(\.side) == [.bid, .ask])
        #expect(trades.allSatisfy { $0.action == .trade && $0.flags == .last && $0.instrumentID == 12345 })

        var books: [Mbp10Msg] = []
        try DBNFileReader.read(path: TestPaths.golden("mbp10_two.v3.dbn")) { books.append($0.as(Mbp10Msg.self)!) }
        #expect(books[0].levels[9].bidPx == 2_555_000_000)
        #expect(books[1].levels[9].askPx == 2_655_000_000)
        #expect(books[1].levels[9].askCt == 21)

        var defs: [InstrumentDefMsg] = []
        let meta = try DBNFileReader.read(path: TestPaths.golden("definition_one.v3.dbn")) {
            defs.append($0.as(InstrumentDefMsg.self)!)
        }
        #expect(meta.mappings.first?.intervals.first?.symbol == "1001000003")
        #expect(defs.first?.rawSymbol.string == "tk2703")
        #expect(defs.first?.unitOfMeasure.string == "MTOK")
        #expect(defs.first?.cfi.string == "FFICSX")
        #expect(defs.first?.marketDepth == 5)

        var stats: [StatMsg] = [], statuses: [StatusMsg] = []
        try DBNFileReader.read(path: TestPaths.golden("stat_status_mixed.v3.dbn")) { view in
            if let s = view.as(StatMsg.self) { stats.append(s) }
            if let s = view.as(StatusMsg.self) { statuses.append(s) }
        }
        #expect(stats.count == 8 && statuses.count == 9)
        #expect(stats.last?.statFlags == StatMsg.settlementFinal)
        #expect(statuses[6].action == .halt && statuses[6].reason == .marketEvent)
    }

    /// The `.lz4` golden file read through liblz4's frame API equals the raw file.
    @Test func lz4GoldenDecompressesToTheRawFile() throws {
        let compressed = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn.lz4"))
        let raw = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn"))
        // Frame header as the golden README documents it.
        #expect(Array(compressed[0..<4]) == [0x04, 0x22, 0x4D, 0x18])
        #expect(compressed[4] == 0x6C)
        #expect(compressed[5] == 0x40)
        #expect(compressed[6..<14].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } == 224)
        #expect(Array(compressed[157..<161]) == [0xA0, 0xD3, 0x0C, 0x34])
        #expect(try lz4FrameDecompress(compressed) == raw)
        // Our encoder's output survives a compress/decompress round trip through liblz4.
        let ours = try Golden.tradesMin.encoded()
        #expect(try lz4FrameDecompress(lz4FrameCompress(ours)) == raw)
    }

    @Test func zstdGoldenIsForReferenceOnly() throws {
        // No zstd support is built; the file is only checked to be what the README says it is.
        let zst = try FileSource.readAll(path: TestPaths.golden("trades_min.v3.dbn.zst"))
        #expect(Array(zst[0..<4]) == [0x28, 0xB5, 0x2F, 0xFD])
        #expect(throws: DBNError.badMagic(offset: 0)) { try DBNDecoder().feed(zst) { _ in } }
    }
}

struct LZ4Failure: Error { let code: Int }

func lz4FrameCompress(_ input: [UInt8]) throws -> [UInt8] {
    var prefs = LZ4F_preferences_t()
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
    var out = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(input.count, &prefs))
    let n = input.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            LZ4F_compressFrame(dst.baseAddress, dst.count, src.baseAddress, src.count, &prefs)
        }
    }
    guard LZ4F_isError(n) == 0 else { throw LZ4Failure(code: n) }
    return Array(out[0..<n])
}

/// Decompresses every frame of `input` (skippable frames are skipped by liblz4).
func lz4FrameDecompress(_ input: [UInt8]) throws -> [UInt8] {
    var ctx: OpaquePointer?
    guard LZ4F_isError(LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION))) == 0 else { throw LZ4Failure(code: -1) }
    defer { LZ4F_freeDecompressionContext(ctx) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var position = 0
    while position < input.count {
        var srcSize = input.count - position
        var dstSize = chunk.count
        let hint = input.withUnsafeBytes { src in
            chunk.withUnsafeMutableBytes { dst in
                LZ4F_decompress(ctx, dst.baseAddress, &dstSize, src.baseAddress! + position, &srcSize, nil)
            }
        }
        guard LZ4F_isError(hint) == 0 else { throw LZ4Failure(code: hint) }
        output += chunk[0..<dstSize]
        position += srcSize
        if srcSize == 0 && dstSize == 0 { throw LZ4Failure(code: -2) }
    }
    return output
}
