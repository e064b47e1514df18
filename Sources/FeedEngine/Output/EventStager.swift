public import TickFormat

/// Holds the records of one exchange event until it ends, then sets `F_LAST` on the last record of
/// the event **for each instrument and each stream** (trades, MBP-1, MBP-10, MBO) and hands every
/// record to the sink in the order it was made. Holding, not delaying one record, keeps `ts_recv`
/// non-decreasing across instruments. Records without flags (status, statistics, definitions,
/// system) pass through the same queue to keep their place.
///
/// Storage is one raw, 8-byte-aligned arena that only grows: staging a record is a copy into it,
/// with no allocation, reference counting or copy-on-write check. Used by one thread.
public final class EventStager {
    @exclusivity(unchecked) @usableFromInline var arena: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var used = 0
    /// Offset in `arena` of the last record per (instrument slot, stream), -1 when none.
    @exclusivity(unchecked) @usableFromInline var lastRecord: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) @usableFromInline var keys: Int
    @exclusivity(unchecked) @usableFromInline var touched: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) @usableFromInline var touchedCount = 0
    @usableFromInline static let streams = 4

    public init(instrumentCapacity: Int = 64) {
        capacity = 1 << 16
        arena = .allocate(byteCount: capacity, alignment: 8)
        keys = max(1, instrumentCapacity) * Self.streams
        lastRecord = .allocate(capacity: keys)
        lastRecord.initialize(repeating: -1, count: keys)
        touched = .allocate(capacity: keys)
    }

    deinit {
        arena.deallocate()
        lastRecord.deallocate()
        touched.deallocate()
    }

    /// No record staged (every record has a length).
    @inlinable public var isEmpty: Bool { used == 0 }

    /// Stages `record` for the instrument in `slot` (any index the venue assigns). Always inlined:
    /// the record is then built in place and its rtype's stream is a constant (out of line, an MBO
    /// record cost 54 instructions to stage).
    @inlinable @inline(__always)
    public func stage<R: DBNRecord>(_ record: R, slot: Int) {
        let size = MemoryLayout<R>.size
        let offset = reserve(size)
        (arena + offset).storeBytes(of: record, as: R.self)
        track(offset: offset, rtype: record.header.rtype, slot: slot)
    }

    /// Stages an MBP-10 record of the book at `book`, built in place in the arena (no 368-byte
    /// temporaries, no closure): its first `levels` levels (at most 10) from the top, the rest
    /// empty. A venue whose depth is fixed passes it as a literal, so both loops unroll.
    @inlinable @inline(__always)
    public func stageMbp10(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, event: BookEvent, slot: Int,
                           book: UnsafePointer<LevelBook>, levels: Int) {
        let offset = reserve(MemoryLayout<Mbp10Msg>.size)
        let record = arena + offset
        record.storeBytes(of: RecordHeader(for: Mbp10Msg.self, publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsEvent),
                          as: RecordHeader.self)
        record.storeBytes(of: event, toByteOffset: Mbp10Msg.eventOffset, as: BookEvent.self)
        let pairs = (record + Mbp10Msg.levelsOffset).assumingMemoryBound(to: BidAskPair.self)
        let depth = min(max(levels, 0), 10)
        var i = 0
        while i < depth {
            pairs[i] = LevelBook.pair(book, i)
            i &+= 1
        }
        while i < 10 {
            pairs[i] = .empty
            i &+= 1
        }
        track(offset: offset, rtype: .mbp10, slot: slot)
    }

    /// Stages an MBP-1 record written in place in the arena (no record built and copied).
    @inlinable @inline(__always)
    public func stageMbp1(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, event: BookEvent, level: BidAskPair, slot: Int) {
        let offset = reserve(MemoryLayout<Mbp1Msg>.size)
        let record = arena + offset
        record.storeBytes(of: RecordHeader(for: Mbp1Msg.self, publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsEvent),
                          as: RecordHeader.self)
        record.storeBytes(of: event, toByteOffset: Mbp1Msg.eventOffset, as: BookEvent.self)
        record.storeBytes(of: level, toByteOffset: Mbp1Msg.levelOffset, as: BidAskPair.self)
        track(offset: offset, rtype: .mbp1, slot: slot)
    }

    /// Stages a trade record (rtype mbp-0) written in place: its bytes after the header are laid
    /// out as `event`, whose action is `.trade`. Returns its offset, for `stageMbp1(sameEventAsTradeAt:)`.
    @inlinable @inline(__always) @discardableResult
    public func stageTrade(publisherID: UInt16, instrumentID: UInt32, tsEvent: UInt64, event: BookEvent, slot: Int) -> Int {
        let offset = reserve(MemoryLayout<TradeMsg>.size)
        let record = arena + offset
        record.storeBytes(of: RecordHeader(for: TradeMsg.self, publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsEvent),
                          as: RecordHeader.self)
        record.storeBytes(of: event, toByteOffset: TradeMsg.eventOffset, as: BookEvent.self)
        track(offset: offset, rtype: .mbp0, slot: slot)
        return offset
    }

    /// Stages the MBP-1 record of the trade staged at `tradeOffset`: the same header (but its
    /// length and rtype) and event, copied as bytes, then `level`. A trade builds both records
    /// when both schemas are built; the copy is three 16-byte moves, not the fields again.
    @inlinable @inline(__always)
    public func stageMbp1(sameEventAsTradeAt tradeOffset: Int, level: BidAskPair, slot: Int) {
        let offset = reserve(MemoryLayout<Mbp1Msg>.size)
        let record = arena + offset
        // Through a value: `reserve` may have moved the arena (the trade's bytes with it).
        let trade = (arena + tradeOffset).loadUnaligned(as: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>).self)
        record.storeBytes(of: trade, as: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>).self)
        record.storeBytes(of: UInt8(MemoryLayout<Mbp1Msg>.size / 4), as: UInt8.self)
        record.storeBytes(of: RType.mbp1, toByteOffset: 1, as: RType.self)
        record.storeBytes(of: level, toByteOffset: Mbp1Msg.levelOffset, as: BidAskPair.self)
        track(offset: offset, rtype: .mbp1, slot: slot)
    }

    @inlinable
    func reserve(_ size: Int) -> Int {
        // Wrapping arithmetic: the arena is far below Int.max, and this runs once per record.
        if used &+ size > capacity { grow(to: used &+ size) }
        let offset = used
        used &+= size
        return offset
    }

    @usableFromInline
    func grow(to needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 8)
        fresh.copyMemory(from: arena, byteCount: used)
        arena.deallocate()
        arena = fresh
        capacity = bigger
    }

    @inlinable @inline(__always)
    func track(offset: Int, rtype: RType, slot: Int) {
        let stream: Int
        switch rtype {
        case .mbp0: stream = 0
        case .mbp1: stream = 1
        case .mbp10: stream = 2
        case .mbo: stream = 3
        default: return
        }
        let key = slot &* Self.streams &+ stream
        if key >= keys { growKeys(to: key + 1) }
        if lastRecord[key] < 0 {
            touched[touchedCount] = key
            touchedCount &+= 1
        }
        lastRecord[key] = offset
    }

    @usableFromInline
    func growKeys(to needed: Int) {
        let bigger = max(needed, keys * 2)
        let fresh = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        fresh.initialize(from: lastRecord, count: keys)
        (fresh + keys).initialize(repeating: -1, count: bigger - keys)
        let freshTouched = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        freshTouched.initialize(from: touched, count: touchedCount)
        lastRecord.deallocate()
        touched.deallocate()
        lastRecord = fresh
        touched = freshTouched
        keys = bigger
    }

    /// Ends the event: marks each (instrument, stream)'s last record `F_LAST` when `eventEnded`,
    /// then sends every staged record to `sink`.
    public func flush<S: RecordSink>(into sink: inout S, eventEnded: Bool) {
        // The buffers in locals: the flag stores below cannot then make the loop reload them.
        let arena = arena, lastRecord = lastRecord, touched = touched
        for i in 0..<touchedCount {
            let key = touched[i]
            if eventEnded {
                let record = arena + lastRecord[key]
                let flagsOffset = record.load(fromByteOffset: 1, as: UInt8.self) == RType.mbo.rawValue ? 36 : 30
                record.storeBytes(of: record.load(fromByteOffset: flagsOffset, as: UInt8.self) | RecordFlags.last.rawValue,
                                  toByteOffset: flagsOffset, as: UInt8.self)
            }
            lastRecord[key] = -1
        }
        touchedCount = 0
        var offset = 0
        while offset < used {
            let length = Int((arena + offset).load(as: UInt8.self)) &* 4
            sink.receive(RecordView(unchecked: UnsafeRawBufferPointer(start: arena + offset, count: length)))
            offset &+= length
        }
        used = 0
    }
}

extension EventStager {
    /// Stages an instrument's book as a snapshot (DESIGN.md: after recovery the book is
    /// re-published as a clear, `R`, then the levels, flagged F_SNAPSHOT): one MBP-10 record per
    /// step, and an MBP-1 record whenever the top changes. `bids`/`asks` are best first; at most
    /// 10 levels per side are published.
    public func stageBookSnapshot(publisherID: UInt16, instrumentID: UInt32, slot: Int, bids: [PriceLevel], asks: [PriceLevel],
                                  flags: RecordFlags, tsRecv: UInt64, sequence: UInt32, schemas: SchemaSelection) {
        guard schemas.contains(.mbp10) || schemas.contains(.mbp1) else { return }
        var partial = LevelBook(depth: 10)
        let clear = BookEvent(price: undefPrice, size: 0, action: .clear, side: .none, flags: flags, depth: 0, tsRecv: tsRecv, sequence: sequence)
        if schemas.contains(.mbp10) {
            stage(Mbp10Msg(publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsRecv, event: clear, levels: partial.pairs), slot: slot)
        }
        if schemas.contains(.mbp1) {
            stage(Mbp1Msg(publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsRecv, event: clear, level: partial.pair(0)), slot: slot)
        }
        for (isBid, ladder) in [(true, bids), (false, asks)] {
            for (i, level) in ladder.prefix(10).enumerated() {
                let topBefore = partial.pair(0)
                if isBid { _ = partial.bids.insert(level, at: i + 1) } else { _ = partial.asks.insert(level, at: i + 1) }
                let event = BookEvent(price: level.price, size: level.size, action: .add, side: isBid ? .bid : .ask, flags: flags,
                                      depth: UInt8(i), tsRecv: tsRecv, sequence: sequence)
                if schemas.contains(.mbp10) {
                    stage(Mbp10Msg(publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsRecv, event: event, levels: partial.pairs), slot: slot)
                }
                if schemas.contains(.mbp1), partial.pair(0) != topBefore {
                    stage(Mbp1Msg(publisherID: publisherID, instrumentID: instrumentID, tsEvent: tsRecv, event: event, level: partial.pair(0)), slot: slot)
                }
            }
        }
    }
}
