/// Records that carry text: symbol mappings, errors and system messages (spec §6.10–6.12).
/// Symbol-mapping, error and system records belong in mixed-schema (0xFFFF) files or live streams.

/// Maps an input symbol to an instrument id over a time range (rtype 0x16, 176 bytes).
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 16 | header (instrument_id = the mapped id) |
/// | 16 | 1 | stype_in |
/// | 17 | 71 | stype_in_symbol |
/// | 88 | 1 | stype_out |
/// | 89 | 71 | stype_out_symbol |
/// | 160 | 8 | start_ts |
/// | 168 | 8 | end_ts |
public struct SymbolMappingMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .symbolMapping }
    public var header: RecordHeader
    public var stypeIn: SType
    public var stypeInSymbol: CString<71>
    public var stypeOut: SType
    public var stypeOutSymbol: CString<71>
    public var startTs: UInt64
    public var endTs: UInt64

    @inlinable
    public init(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, stypeIn: SType,
                stypeInSymbol: CString<71>, stypeOut: SType, stypeOutSymbol: CString<71>, startTs: UInt64,
                endTs: UInt64) {
        header = RecordHeader(for: SymbolMappingMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.stypeIn = stypeIn
        self.stypeInSymbol = stypeInSymbol
        self.stypeOut = stypeOut
        self.stypeOutSymbol = stypeOutSymbol
        self.startTs = startTs
        self.endTs = endTs
    }
}

/// An error from the gateway (rtype 0x15, 320 bytes): text at 16 (char[302]), code at 318,
/// is_last at 319. publisher_id and instrument_id are 0 by convention.
public struct ErrorMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .error }
    public var header: RecordHeader
    public var err: CString<302>
    public var code: ErrorCode
    public var isLast: UInt8

    @inlinable
    public init(tsEvent: UInt64, err: CString<302>, code: ErrorCode = .unset, isLast: Bool = true) {
        header = RecordHeader(for: ErrorMsg.self, publisherID: 0, instrumentID: 0, tsEvent: tsEvent)
        self.err = err
        self.code = code
        self.isLast = isLast ? 1 : 0
    }
}

/// A system message (rtype 0x17, 320 bytes): text at 16 (char[303]), code at 319.
/// ComputeFeed reports gaps, recoveries and stale/clean transitions in-stream with these.
public struct SystemMsg: DBNRecord, Equatable {
    public static var defaultRType: RType { .system }
    public var header: RecordHeader
    public var msg: CString<303>
    public var code: SystemCode

    @inlinable
    public init(publisherID: UInt16 = 0, instrumentID: UInt32 = 0, tsEvent: UInt64, msg: CString<303>,
                code: SystemCode = .unset) {
        header = RecordHeader(for: SystemMsg.self, publisherID: publisherID, instrumentID: instrumentID,
                              tsEvent: tsEvent)
        self.msg = msg
        self.code = code
    }
}
