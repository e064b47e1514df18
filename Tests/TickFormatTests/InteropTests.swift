import ByteIO
import Foundation
import Testing
import TestSupport
@testable import TickFormat

/// DBN written by TickFormat is read by Databento's `databento-dbn` (every field of every record
/// type checked), and DBN written by `databento-dbn` is read by TickFormat.
@Suite struct InteropTests {
    static let t0: UInt64 = 1_799_073_000_000_000_000

    /// One record of every type ComputeFeed writes, with non-default values everywhere.
    static var everyRecordType: [any DBNRecord] {
        var levels = InlineArray<10, BidAskPair>(repeating: .empty)
        for i in 0..<7 {
            levels[i] = BidAskPair(bidPx: 2_600_000_000 - Int64(i) * 5_000_000, askPx: 2_605_000_000 + Int64(i) * 5_000_000,
                                   bidSz: UInt32(10 + i), askSz: UInt32(20 + i), bidCt: UInt32(i + 1), askCt: UInt32(i + 2))
        }
        let event = BookEvent(price: 2_605_000_000, size: 7, action: .modify, side: .ask,
                              flags: [.last, .maybeBadBook], depth: 3, tsRecv: t0 + 20, tsInDelta: -5, sequence: 4_000_000_000)
        var def = InstrumentDefMsg(publisherID: 1002, instrumentID: 910_011, tsEvent: t0, tsRecv: t0 + 1)
        def.minPriceIncrement = 5_000_000
        def.displayFactor = 1_000_000_000
        def.expiration = 1_805_000_000_000_000_000
        def.unitOfMeasureQty = 1_000_000_000_000
        def.minPriceIncrementAmount = 5_000_000_000
        def.rawInstrumentID = 910_011
        def.marketDepth = 10
        def.marketDepthImplied = 2
        def.marketSegmentID = 410
        def.applID = 410
        def.maturityYear = 2027
        def.maturityMonth = 3
        def.channelID = 0
        def.currency = "USD"
        def.rawSymbol = "GB2H7"
        def.group = "GB"
        def.exchange = "XCME"
        def.asset = "GB2"
        def.cfi = "FCAXSX"
        def.securityType = "FUT"
        def.unitOfMeasure = "GPUH"
        def.instrumentClass = InstrumentDefMsg.classFuture
        def.matchAlgorithm = InstrumentDefMsg.matchFIFO
        def.securityUpdateAction = UInt8(ascii: "A")
        def.priceDisplayFormat = 3
        var records: [any DBNRecord] = [
            def,
            MboMsg(publisherID: 1003, instrumentID: 72001, tsEvent: t0 + 2, orderID: 1 << 50, price: 2_145_000_000,
                   size: 12, flags: [.last, .snapshot], channelID: 0, action: .add, side: .bid, tsRecv: t0 + 3,
                   tsInDelta: 1500, sequence: 77),
            TradeMsg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 4, price: 2_605_000_000, size: 3,
                     side: .ask, flags: .last, tsRecv: t0 + 5, tsInDelta: 99, sequence: 5001),
            Mbp1Msg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 6, event: event, level: levels[0]),
            Mbp10Msg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 7, event: event, levels: levels),
            StatusMsg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 8, tsRecv: t0 + 9, action: .halt,
                      reason: .marketEvent, tradingEvent: .impliedMatchingOff, isTrading: .no, isQuoting: .yes),
            StatMsg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 10, tsRecv: t0 + 11, tsRef: t0,
                    price: 2_600_000_000, quantity: 1 << 40, sequence: 12, tsInDelta: 3, statType: .settlementPrice,
                    channelID: 410, updateAction: StatMsg.updateNew, statFlags: StatMsg.settlementFinal),
            SymbolMappingMsg(publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + 12, stypeIn: .rawSymbol,
                             stypeInSymbol: "GH1H7", stypeOut: .instrumentID, stypeOutSymbol: "910001",
                             startTs: t0, endTs: t0 + 86_400_000_000_000),
            ErrorMsg(tsEvent: t0 + 13, err: "subscriber lagged", code: .skippedRecordsAfterSlowReading, isLast: true),
            SystemMsg(tsEvent: t0 + 14, msg: "gap on channel 410 line A: 1001-1003", code: .unset),
        ]
        for (i, rtype) in [RType.ohlcv1S, .ohlcv1M, .ohlcv1H, .ohlcv1D, .ohlcvEod].enumerated() {
            records.append(OhlcvMsg(rtype: rtype, publisherID: 1002, instrumentID: 910_001, tsEvent: t0 + UInt64(i),
                                    open: 2_600_000_000, high: 2_700_000_000, low: 2_500_000_000,
                                    close: 2_650_000_000 + Int64(i), volume: 1 << 33))
        }
        return records
    }

    @Test func databentoDecodesEveryFieldWeWrite() throws {
        let dir = TemporaryDirectory()
        let metadata = Metadata(dataset: "CF.CME.MDP3", schema: .mixed, start: Self.t0, end: Self.t0 + 60_000_000_000,
                                symbols: ["GH1H7"],
                                mappings: [.init(rawSymbol: "GH1H7", intervals: [.init(startDate: 20270104, endDate: 20270105, symbol: "910001")])])
        var writer = try DBNFileWriter(path: dir.file("ours.dbn"), metadata: metadata)
        for record in Self.everyRecordType { try writer.encoder.encode(record) }
        try writer.close()

        let expected: [String: Any] = [
            "metadata": ["dataset": "CF.CME.MDP3", "start": Self.t0, "end": Self.t0 + 60_000_000_000,
                         "symbols": ["GH1H7"], "version": 3],
            "records": Self.everyRecordType.map { ["class": PythonFields.className($0), "fields": PythonFields.of($0)] },
            "dataframes": ["trades": 1, "mbp-10": 1, "definition": 1, "statistics": 1, "status": 1, "ohlcv-1d": 1],
        ]
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: dir.file("expected.json")))
        let result = try run(TestPaths.python, [TestPaths.packageRoot + "/Tests/Python/check_dbn.py",
                                                dir.file("ours.dbn"), dir.file("expected.json")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("checked 15 records, 0 mismatches"))
    }

    @Test func weDecodeWhatDatabentoWrites() throws {
        let dir = TemporaryDirectory()
        let result = try run(TestPaths.python, [TestPaths.packageRoot + "/Tests/Python/write_dbn.py", dir.file("py.dbn")])
        try #require(result.status == 0, "\(result.stderr)")
        var records: [RecordView] = []
        var copies: [[UInt8]] = []
        let metadata = try DBNFileReader.read(path: dir.file("py.dbn")) { view in
            copies.append(Array(view.bytes))
            records.append(view)
        }
        #expect(metadata.dataset == "CF.CME.MDP3")
        #expect(metadata.schema == .mixed)
        #expect(metadata.symbols == ["GH1H7"])
        #expect(metadata.mappings == [.init(rawSymbol: "GH1H7", intervals: [.init(startDate: 20270104, endDate: 20270105, symbol: "910001")])])
        let views = copies.map { bytes in bytes.withUnsafeBytes { RecordView(unchecked: $0).header.rtype } }
        #expect(views == [.mbp0, .mbo, .mbp1, .statistics, .status, .system])
        func load<R: DBNRecord>(_ i: Int, _: R.Type) -> R? { copies[i].withUnsafeBytes { RecordView(unchecked: $0).as(R.self) } }
        let trade = try #require(load(0, TradeMsg.self))
        #expect(trade.price == 2_605_000_000 && trade.size == 3 && trade.side == .bid && trade.flags == .last)
        #expect(trade.tsRecv == Self.t0 + 2 && trade.tsInDelta == 7 && trade.sequence == 11)
        let mbo = try #require(load(1, MboMsg.self))
        #expect(mbo.orderID == 99 && mbo.channelID == 4 && mbo.action == .add && mbo.sequence == 12)
        let mbp1 = try #require(load(2, Mbp1Msg.self))
        #expect(mbp1.level == BidAskPair(bidPx: 2_600_000_000, askPx: 2_610_000_000, bidSz: 5, askSz: 8, bidCt: 1, askCt: 1))
        let stat = try #require(load(3, StatMsg.self))
        #expect(stat.statType == .settlementPrice && stat.quantity == 1 << 40 && stat.statFlags == 1 && stat.tsRef == Self.t0)
        let status = try #require(load(4, StatusMsg.self))
        #expect(status.action == .halt && status.reason == .marketEvent && status.isTrading == .no)
        let system = try #require(load(5, SystemMsg.self))
        #expect(system.msg.string == "gap on line A")
    }
}

/// Field names and values as `databento_dbn`'s Python attributes show them, from our records by
/// reflection, so a field added to a record is checked without editing the test.
enum PythonFields {
    static func className(_ record: any DBNRecord) -> String {
        switch record {
        case is MboMsg: "MBOMsg"
        case is TradeMsg: "TradeMsg"
        case is Mbp1Msg: "MBP1Msg"
        case is Mbp10Msg: "MBP10Msg"
        case is OhlcvMsg: "OHLCVMsg"
        case is StatusMsg: "StatusMsg"
        case is InstrumentDefMsg: "InstrumentDefMsg"
        case is StatMsg: "StatMsg"
        case is SymbolMappingMsg: "SymbolMappingMsg"
        case is ErrorMsg: "ErrorMsg"
        case is SystemMsg: "SystemMsg"
        default: "?"
        }
    }

    /// Fields that DBN defines as chars but we store as plain bytes.
    static let charFields: Set<String> = [
        "instrument_class", "match_algorithm", "security_update_action", "user_defined_instrument",
        "leg_instrument_class",
    ]

    static func of(_ record: any DBNRecord) -> [String: Any] {
        var fields: [String: Any] = [:]
        collect(record, into: &fields)
        return fields
    }

    static func snakeCase(_ name: String) -> String {
        var out = ""
        let chars = Array(name.replacingOccurrences(of: "ID", with: "Id"))
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                if i > 0 { out += "_" }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func collect(_ value: Any, into fields: inout [String: Any]) {
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let name = snakeCase(label)
            switch child.value {
            case is RecordHeader, is BookEvent:
                collect(child.value, into: &fields)
            case let pair as BidAskPair:
                add(pair, level: 0, into: &fields)
            case let levels as InlineArray<10, BidAskPair>:
                for i in 0..<10 { add(levels[i], level: i, into: &fields) }
            case let rtype as RType:
                fields["rtype"] = Int(rtype.rawValue)
            case let flags as RecordFlags:
                fields[name] = Int(flags.rawValue)
            case let action as Action:
                fields[name] = String(UnicodeScalar(action.rawValue))
            case let side as Side:
                fields[name] = String(UnicodeScalar(side.rawValue))
            case let tri as TriState:
                fields[name] = String(UnicodeScalar(tri.rawValue))
            case let stype as SType:
                fields[name] = stype == .rawSymbol ? "raw_symbol" : "instrument_id"
            case let v as StatusAction: fields[name] = Int(v.rawValue)
            case let v as StatusReason: fields[name] = Int(v.rawValue)
            case let v as TradingEvent: fields[name] = Int(v.rawValue)
            case let v as StatType: fields[name] = Int(v.rawValue)
            case let v as SystemCode: fields[name] = Int(v.rawValue)
            case let v as ErrorCode: fields[name] = Int(v.rawValue)
            case let s as CString<4>: fields[name] = s.string
            case let s as CString<5>: fields[name] = s.string
            case let s as CString<6>: fields[name] = s.string
            case let s as CString<7>: fields[name] = s.string
            case let s as CString<11>: fields[name] = s.string
            case let s as CString<21>: fields[name] = s.string
            case let s as CString<31>: fields[name] = s.string
            case let s as CString<71>: fields[name] = s.string
            case let s as CString<302>: fields[name] = s.string
            case let s as CString<303>: fields[name] = s.string
            case let v as UInt8 where charFields.contains(name):
                fields[name] = String(UnicodeScalar(v))
            case let v as any BinaryInteger:
                if name != "length" { fields[name] = Int64(exactly: v).map { $0 as Any } ?? UInt64(v) }
            default:
                break  // reserved bytes
            }
        }
    }

    static func add(_ pair: BidAskPair, level i: Int, into fields: inout [String: Any]) {
        let suffix = i < 10 ? "_0\(i)" : "_\(i)"
        fields["bid_px" + suffix] = pair.bidPx
        fields["ask_px" + suffix] = pair.askPx
        fields["bid_sz" + suffix] = pair.bidSz
        fields["ask_sz" + suffix] = pair.askSz
        fields["bid_ct" + suffix] = pair.bidCt
        fields["ask_ct" + suffix] = pair.askCt
    }
}
