public import FeedEngine
public import TickFormat

public struct SHFEChannelConfiguration: Sendable {
    /// Which records to build; books are maintained whatever this says.
    public var schemas: SchemaSelection
    public var arbitration: SequenceArbiter.Configuration
    /// Holes larger than this go to a snapshot instead of a retransmission (§10.2: 1000).
    public var maxRetransmission: Int
    /// After a failed snapshot, the first retry waits this long on the ts_recv clock; each further
    /// failure doubles it, up to `maxRetryDelayNs`.
    public var retryDelayNs: UInt64
    public var maxRetryDelayNs: UInt64

    public init(schemas: SchemaSelection = .all, arbitration: SequenceArbiter.Configuration = .init(), maxRetransmission: Int = 1_000,
                retryDelayNs: UInt64 = 1_000_000_000, maxRetryDelayNs: UInt64 = 30_000_000_000) {
        self.schemas = schemas
        self.arbitration = arbitration
        self.maxRetransmission = maxRetransmission
        self.retryDelayNs = retryDelayNs
        self.maxRetryDelayNs = maxRetryDelayNs
    }
}

/// Counters of a topic, for the replay summary.
public struct SHFEChannelStats: Sendable {
    public var malformedDatagrams = [0, 0]
    public var malformedReasons: [String: Int] = [:]
    /// Packets of another topic than the reference data's.
    public var otherTopicPackets = 0
    /// Groups for an InstrumentNo the reference data does not list.
    public var unknownInstrumentGroups = 0
    /// Fields before the first contract header.
    public var orphanFields = 0
    public var bookInconsistencies = 0
    /// Groups whose ChangeNo skipped (a lost packet touched the instrument).
    public var changeNoJumps = 0
    /// Instruments whose next ChangeNo proved a gap did not touch them.
    public var verifiedAfterGap = 0
    public var staleTransitions = 0
    public var sessionChanges = 0
    public var centreSwitches = 0
    // MDQP recovery
    public var retransmissionRequests = 0
    public var packetsRetransmitted = 0
    /// Holes closed by retransmission.
    public var retransmissionRecoveries = 0
    public var snapshotRequests = 0
    public var snapshotsApplied = 0
    /// Packets a snapshot made unnecessary (never applied: their trades were not published).
    public var packetsSkippedBySnapshots: UInt64 = 0
    /// Stale instruments made clean by a snapshot.
    public var instrumentsRecovered = 0
    /// Snapshots older than the books (their 0x1004 behind what was applied): not used.
    public var snapshotsBehind = 0
    /// Retransmitted packets that were not valid incremental packets of the topic.
    public var badRetransmittedPackets = 0
    /// Groups skipped by the ChangeNo guard (ChangeNo ≤ the snapshot's, or ≤ 0; §10.2): should stay
    /// 0, so the instrument is also marked stale.
    public var changeNoFiltered = 0
    /// Failed MDQP requests by kind (`timeout`, `closed`, `malformed`, `unreachable`, `error_N`...).
    public var recoveryFailures: [String: Int] = [:]
    /// The last failure, as one line.
    public var lastRecoveryFailure: String?
}

/// One instrument of the topic: its 5-level book, cumulative counters and prices.
public struct SHFEInstrument: Sendable {
    public let instrumentNo: Int32
    public let instrumentID: UInt32
    public let symbol: String
    /// CodecPrice and PriceTick in 1e-9 units.
    public let codecFP: Int64
    public let tickFP: Int64
    public internal(set) var book = LevelBook(depth: 5)
    public internal(set) var changeNo: Int64 = 0
    public internal(set) var volume: Int64 = 0
    public internal(set) var turnoverFen: Int64 = 0
    public internal(set) var openInterest: Int64 = 0
    public internal(set) var lastPrice: Int64 = undefPrice
    /// The book may be wrong (F_MAYBE_BAD_BOOK) until the next session or snapshot.
    public internal(set) var isStale = false
    /// A gap happened since this instrument's last group: its next ChangeNo decides.
    public internal(set) var isUnverified = false
    /// The ChangeNo of the last snapshot applied: groups at or below it are skipped (§10.2).
    public internal(set) var snapshotChangeNo: Int64 = 0
}

/// The SHFE-style MIRP handler of one topic: A/B arbitration by PacketNo, sessions by
/// CommPhaseNo, 5-level books by position, normalization to DBN (specs/shfe-mirp.md §4–9;
/// DESIGN.md wins where they differ).
///
/// Decisions where the spec leaves room:
/// - DESIGN.md: "instruments whose per-instrument sequence (SHFE ChangeNo) shows they lost nothing
///   keep flowing". After a gap every instrument is *unverified*: its next group's ChangeNo decides
///   — previous + 1 proves the lost packets did not touch it; a jump makes it stale (F_MAYBE_BAD_BOOK)
///   until a session boundary (or, with MDQP, a snapshot).
/// - A late join (first PacketNo > 1) without a snapshot source leaves every instrument stale.
/// - An inconsistent book update (a violated level precondition, a bad EventType or Side, a
///   volume ≤ 0 on add or modify) makes that instrument stale.
///
/// Recovery through MDQP (§10), when an `MDQPRecoveryAgent` is given; the agent talks to the server
/// on its own thread, the handler polls it once per datagram and never waits:
/// - a declared-missing hole of at most `maxRetransmission` packets is asked for by retransmission;
///   the packets behind it stay held meanwhile, so the books never go stale for a hole that is
///   recovered; a retransmission that fails, or twice does not close the hole, falls back to a snapshot;
/// - a late join, a larger hole, a stale instrument (book inconsistency, centre switch, ChangeNo
///   jump after a gap declared lost) asks for a snapshot; it replaces every instrument it lists,
///   is re-published as `R` + levels flagged F_SNAPSHOT, and the sequence continues after its 0x1004;
/// - a failed snapshot declares the hole lost (the books go stale as without a server) and the next
///   snapshot is tried after 1 s, 2 s, 4 s … (≤ 30 s) on the ts_recv clock;
/// - the packets a snapshot skipped are reported as a `gap` notice: their trades were not published.
/// - (decision) a snapshot whose 0x1004 is behind the packets already applied is not used (counted;
///   retried later): applying it would move the books back in time.
public final class SHFEChannelHandler<Sink: RecordSink> {
    public let configuration: SHFEChannelConfiguration
    public let reference: SHFEReferenceData
    public let instruments = SlotArray<SHFEInstrument>()
    private var slots: [Int32: Int] = [:]
    /// InstrumentNo → slot for small InstrumentNos (the usual case): no hashing per group.
    @exclusivity(unchecked) private var denseSlots: [Int16] = []
    @exclusivity(unchecked) public internal(set) var stats = SHFEChannelStats()
    @exclusivity(unchecked) public internal(set) var arbiter: SequenceArbiter
    let stager: EventStager
    @exclusivity(unchecked) var session: UInt16?
    @exclusivity(unchecked) var centre: Int8?
    @exclusivity(unchecked) var started = false
    @exclusivity(unchecked) private var definitionsSent = false
    @exclusivity(unchecked) var lastTsRecv: UInt64 = 0
    // The packet being applied.
    @exclusivity(unchecked) var tsRecv: UInt64 = 0
    @exclusivity(unchecked) private var tsEvent: UInt64 = 0
    @exclusivity(unchecked) var packetNo: UInt32 = 0
    /// MDQP recovery; nil when no server is configured.
    public let recovery: MDQPRecoveryAgent?
    @exclusivity(unchecked) var recoveryState = RecoveryState()
    @exclusivity(unchecked) var staleCount = 0
    /// Declared last: the handler is generic over its sink, and fields after a generic one have
    /// offsets that unspecialized code must look up in the class metadata at every access.
    @exclusivity(unchecked) public var sink: Sink

    struct RecoveryState {
        /// Bumped by a session change: an answer to a request of an older session is ignored.
        var epoch = 0
        var requestEpoch = 0
        /// No snapshot is asked for before this ts_recv (after failures).
        var retryAfterNs: UInt64 = 0
        var nextDelayNs: UInt64 = 0
        /// Retransmissions in a row that did not close the hole starting at `stuckAt`.
        var stuckAt: UInt64 = 0
        var stuckAttempts = 0
    }

    public init(reference: SHFEReferenceData, configuration: SHFEChannelConfiguration = .init(), sink: Sink,
                recovery: MDQPRecoveryAgent? = nil) {
        self.reference = reference
        self.configuration = configuration
        self.sink = sink
        self.recovery = recovery
        for (i, m) in reference.instruments.enumerated() {
            instruments.append(SHFEInstrument(instrumentNo: m.instrumentNo,
                                              instrumentID: SHFEMapping.instrumentID(topic: reference.topicID, instrumentNo: m.instrumentNo),
                                              symbol: m.symbol, codecFP: FixedPoint.parse(m.codecPrice) ?? 0,
                                              tickFP: FixedPoint.parse(m.priceTick) ?? 1))
            slots[m.instrumentNo] = i
        }
        if let high = slots.keys.max(), high < 65_536, slots.count < Int(Int16.max) {
            denseSlots = [Int16](repeating: -1, count: Int(high) + 1)
            for (no, slot) in slots { denseSlots[Int(no)] = Int16(slot) }
        }
        stager = EventStager(instrumentCapacity: reference.instruments.count + 1)
        arbiter = SequenceArbiter(lineCount: 2, configuration: configuration.arbitration)
        arbiter.recoversGaps = recovery != nil
        arbiter.firstNumber = 1  // §9.1: a session's first packet is 1; with a server, a late join is a hole
        recoveryState.nextDelayNs = configuration.retryDelayNs
    }

    deinit { recovery?.stop() }

    var schemas: SchemaSelection { configuration.schemas }

    var publisherID: UInt16 { SHFEMapping.publisherID }

    /// The definition of `instrumentNo` from the reference data (nil for one it does not list).
    public func definition(instrumentNo: Int32) -> InstrumentDefMsg? {
        reference.instruments.first { $0.instrumentNo == instrumentNo }.map {
            SHFEMapping.definition($0, topic: reference.topicID, tsRecv: undefTimestamp)
        }
    }

    public func instrument(symbol: String) -> SHFEInstrument? {
        instruments.indices.first { instruments[$0].symbol == symbol }.map { instruments[$0] }
    }

    // MARK: - Datagrams

    /// One MIRP datagram from `line` (0 = A, 1 = B), received at `tsRecv`.
    public func receive(_ payload: UnsafeRawBufferPointer, line: Int, tsRecv: UInt64) {
        if !definitionsSent { sendDefinitions(tsRecv: tsRecv) }
        guard let h = MIRPHeader.read(payload) else {
            stats.malformedDatagrams[min(line, 1)] += 1
            stats.malformedReasons[MIRPMalformed.shortHeader.rawValue, default: 0] += 1
            return
        }
        // The other line's copy of a packet already applied: count it, skip validation.
        if !h.isHeartbeat, h.topicID == reference.topicID, h.commPhaseNo == session,
           h.centerChangeNo == centre,
           arbiter.countIfOldDuplicate(line: line, sequence: UInt64(UInt32(bitPattern: h.packetNo)), count: 1, tsRecv: tsRecv) {
            return
        }
        receiveNew(payload, header: h, line: line, tsRecv: tsRecv)
    }

    /// A datagram that is not a copy already applied: validated, then sequenced. Out of line, so
    /// the duplicate path above keeps a light frame.
    @inline(never)
    func receiveNew(_ payload: UnsafeRawBufferPointer, header: MIRPHeader, line: Int, tsRecv: UInt64) {
        if let why = MIRPPacketView.malformation(of: payload, header: header) {
            stats.malformedDatagrams[min(line, 1)] += 1
            stats.malformedReasons[why.rawValue, default: 0] += 1
            return
        }
        guard header.topicID == reference.topicID else {
            stats.otherTopicPackets += 1
            return
        }
        if let current = session, current != header.commPhaseNo { newSession(tsRecv: tsRecv) }
        session = header.commPhaseNo
        if let c = centre, c != header.centerChangeNo {
            stats.centreSwitches += 1
            markAllStale(reason: "centre_switch", tsRecv: tsRecv)
        }
        centre = header.centerChangeNo
        if header.isHeartbeat {
            arbiter.heartbeat(line: line, passed: header.packetNo > 0 ? UInt64(header.packetNo) : nil, tsRecv: tsRecv) { handle($0) }
        } else {
            let sequence = UInt64(UInt32(bitPattern: header.packetNo))
            if arbiter.acceptInOrder(line: line, sequence: sequence, count: 1, tsRecv: tsRecv) {
                deliver(payload, sequence: sequence, tsRecv: tsRecv)  // steady state: no event callback
            } else {
                arbiter.receive(payload, line: line, sequence: sequence, count: 1, tsRecv: tsRecv) { handle($0) }
            }
        }
        if recovery != nil { driveRecovery(now: tsRecv) }
    }

    /// Time passes with no datagram (live sources): arbitration timeouts may expire, MDQP answers
    /// are taken.
    public func tick(now: UInt64) {
        arbiter.tick(now: now) { handle($0) }
        if recovery != nil { driveRecovery(now: now) }
    }

    /// End of the input: the recovery in progress is waited for, then open holes are declared lost
    /// and held packets applied.
    public func finish() {
        settleRecovery()
        arbiter.finish(tsRecv: lastTsRecv) { handle($0) }
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: false) }
    }

    func handle(_ event: SequenceArbiter.Event) {
        switch event {
        case .deliver(let payload, let sequence, _, _, let ts, _):
            deliver(payload, sequence: sequence, tsRecv: ts)
        case .gap(let from, let to, let ts):
            lastTsRecv = max(lastTsRecv, ts)
            started = true
            notice(tsRecv: ts, "gap feed=mirp from=\(from) to=\(to) lost=\(to - from + 1)")
            for i in instruments.indices where !instruments[i].isStale { instruments[i].isUnverified = true }
        }
    }

    /// The next packet in sequence, from the arbiter's event or its in-order fast path.
    @inline(__always)
    func deliver(_ payload: UnsafeRawBufferPointer, sequence: UInt64, tsRecv ts: UInt64) {
        lastTsRecv = max(lastTsRecv, ts)
        if !started {
            started = true
            if sequence > 1 {
                notice(tsRecv: ts, "gap feed=mirp from=1 to=\(sequence - 1) lost=\(sequence - 1)")
                markAllStale(reason: "late_join", tsRecv: ts)
            }
        }
        apply(payload, tsRecv: ts)
    }

    // MARK: - Applying a packet

    @inline(__always)
    func apply(_ payload: UnsafeRawBufferPointer, tsRecv ts: UInt64) {
        // Every datagram the arbiter delivers was validated when it was received.
        let view = MIRPPacketView(validated: payload, header: MIRPHeader.read(payload)!)
        tsRecv = max(ts, lastTsRecv)
        tsEvent = view.header.eventTimeNs
        packetNo = UInt32(bitPattern: view.header.packetNo)
        var slot: Int?
        var skipping = false
        var fields = view.fields
        while let field = fields.next() { applyField(field, slot: &slot, skipping: &skipping) }
        // The end of the packet is the end of the exchange event.
        stager.flush(into: &sink, eventEnded: true)
    }

    @inline(__always)
    private func applyField(_ field: MIRPFieldValue, slot: inout Int?, skipping: inout Bool) {
        do {
            switch field {
            case .contractHeader(let no, let change):
                slot = nil
                skipping = false
                guard let s = slotIndex(of: no) else {
                    stats.unknownInstrumentGroups += 1
                    skipping = true
                    return
                }
                if change <= instruments[s].snapshotChangeNo {
                    // §10.2 guard: already in the snapshot, so skipped. With correct PacketNo
                    // filtering this never happens (ChangeNo starts at 1): the data is suspect.
                    stats.changeNoFiltered += 1
                    markStale(slot: s, reason: "changeno_not_after_snapshot")
                    skipping = true
                    return
                }
                slot = s
                checkChangeNo(slot: s, changeNo: change)
            case .priceChange(let event, let side, let level, let offset, let volume):
                guard let s = slot else { if !skipping { stats.orphanFields += 1 }; return }
                priceChange(slot: s, event: event, side: side, level: level, offset: offset, volume: volume)
            case .tradeSummary(let last, let volumeChange, let turnover, let oiChange):
                guard let s = slot else { if !skipping { stats.orphanFields += 1 }; return }
                tradeSummary(slot: s, lastOffset: last, volumeChange: volumeChange, turnoverFen: turnover, oiChange: oiChange)
            case .price(let f, let offset):
                guard let s = slot else { if !skipping { stats.orphanFields += 1 }; return }
                priceField(slot: s, field: f, offset: offset)
            case .centreSwitch:
                stats.centreSwitches += 1
                markAllStale(reason: "centre_switch", tsRecv: tsRecv)
            case .currentDelta, .unknown:
                break
            }
        }
    }

    @inline(__always)
    func slotIndex(of instrumentNo: Int64) -> Int? {
        guard instrumentNo >= 0 && instrumentNo <= Int64(Int32.max) else { return nil }
        if !denseSlots.isEmpty {
            guard instrumentNo < Int64(denseSlots.count) else { return nil }
            let s = denseSlots[Int(instrumentNo)]
            return s >= 0 ? Int(s) : nil
        }
        return slots[Int32(instrumentNo)]
    }

    @inline(__always)
    private func checkChangeNo(slot: Int, changeNo: Int64) {
        let inst = instruments.pointer(slot)
        let expected = inst.pointee.changeNo &+ 1
        if inst.pointee.isUnverified {
            inst.pointee.isUnverified = false
            if changeNo == expected {
                stats.verifiedAfterGap += 1
            } else {
                stats.changeNoJumps += 1
                markStale(slot: slot, reason: "changeno_jump")
            }
        } else if changeNo != expected && !inst.pointee.isStale {
            stats.changeNoJumps += 1
            markStale(slot: slot, reason: "changeno_jump")
        }
        inst.pointee.changeNo = changeNo
    }

    /// A price in 1e-9 units, or nil on overflow (a data error).
    @inline(__always)
    private func price(slot: Int, offset: Int64) -> Int64? {
        let inst = instruments.pointer(slot)
        let (scaled, o1) = offset.multipliedReportingOverflow(by: inst.pointee.tickFP)
        let (p, o2) = inst.pointee.codecFP.addingReportingOverflow(scaled)
        return o1 || o2 ? nil : p
    }

    private func priceChange(slot: Int, event: UInt8, side: UInt8, level: Int64, offset: Int64, volume: Int64) {
        let inst = instruments.pointer(slot)
        guard side == UInt8(ascii: "0") || side == UInt8(ascii: "1"), (1...5).contains(level) else { return inconsistent(slot) }
        let isBid = side == UInt8(ascii: "0")
        let l = Int(level)
        let topBefore = top(slot)
        var consistent = true
        let action: Action
        var px = undefPrice
        var size: UInt32 = 0
        switch event {
        case UInt8(ascii: "1"), UInt8(ascii: "2"):
            guard volume > 0, volume <= Int64(UInt32.max), let p = price(slot: slot, offset: offset) else { return inconsistent(slot) }
            px = p
            size = UInt32(volume)
            let entry = PriceLevel(price: p, size: size, orders: 0)
            // (if/else, not ?:, so the book side is updated in place rather than copied)
            if event == UInt8(ascii: "1") {
                action = .add
                if isBid { consistent = inst.pointee.book.bids.insert(entry, at: l) } else { consistent = inst.pointee.book.asks.insert(entry, at: l) }
            } else {
                action = .modify
                // Modify needs an occupied level: 1 ≤ L ≤ n (§7).
                if isBid {
                    consistent = l <= inst.pointee.book.bids.count
                    inst.pointee.book.bids.overlay(entry, at: l)
                } else {
                    consistent = l <= inst.pointee.book.asks.count
                    inst.pointee.book.asks.overlay(entry, at: l)
                }
            }
        case UInt8(ascii: "3"):
            action = .cancel
            let (ok, removed) = if isBid { inst.pointee.book.bids.delete(at: l) } else { inst.pointee.book.asks.delete(at: l) }
            consistent = ok
            px = removed.price
            size = removed.size
        default:
            return inconsistent(slot)
        }
        // A side ordered before stays ordered unless the levels around the one changed are out of
        // order: only those are compared (a delete brings level l+1 up to l).
        if !consistent || !orderedAround(slot, isBid: isBid, level: l) { inconsistent(slot) }
        emitBook(slot: slot, action: action, side: isBid ? .bid : .ask, price: px, size: size, depth: UInt8(l - 1), topBefore: topBefore)
    }

    /// Bid prices strictly fall and ask prices strictly rise from level 1 (read in place, no copy of the side).
    /// Levels l−1, l, l+1 (1-based) of one side are in order: bid prices strictly fall, ask
    /// prices strictly rise (read in place).
    @inline(__always) private func orderedAround(_ slot: Int, isBid: Bool, level l: Int) -> Bool {
        let book = bookPointer(slot)
        let side = isBid ? book.pointer(to: \.bids)! : book.pointer(to: \.asks)!
        let n = side.pointee.count
        let lo = max(l - 2, 0), hi = min(l, n - 1)  // 0-based indices l−2 ... l
        var i = lo + 1
        while i <= hi {
            let above = BookSide.level(side, i - 1).price, here = BookSide.level(side, i).price
            if isBid ? here >= above : here <= above { return false }
            i += 1
        }
        return true
    }

    func sideOrdered(_ slot: Int, isBid: Bool) -> Bool {
        if isBid {
            let n = instruments[slot].book.bids.count
            for i in stride(from: 1, to: n, by: 1) where instruments[slot].book.bids[i].price >= instruments[slot].book.bids[i - 1].price { return false }
        } else {
            let n = instruments[slot].book.asks.count
            for i in stride(from: 1, to: n, by: 1) where instruments[slot].book.asks[i].price <= instruments[slot].book.asks[i - 1].price { return false }
        }
        return true
    }

    func inconsistent(_ slot: Int) {
        stats.bookInconsistencies += 1
        markStale(slot: slot, reason: "book_inconsistency")
    }

    private func flags(_ slot: Int) -> RecordFlags { instruments[slot].isStale ? .maybeBadBook : [] }

    private var delta: Int32 { Int32(clamping: Int64(bitPattern: tsRecv) &- Int64(bitPattern: tsEvent)) }

    /// The instrument's book in place (reads through it copy nothing).
    @inline(__always) private func bookPointer(_ slot: Int) -> UnsafePointer<LevelBook> {
        UnsafePointer(instruments.pointer(slot).pointer(to: \.book)!)
    }

    @inline(__always) private func top(_ slot: Int) -> BidAskPair { LevelBook.pair(bookPointer(slot), 0) }

    private func emitBook(slot: Int, action: Action, side: Side, price: Int64, size: UInt32, depth: UInt8, topBefore: BidAskPair) {
        let inst = instruments.pointer(slot)
        // Fields read in place: copying the instrument would retain its symbol.
        let id = inst.pointee.instrumentID
        let event = BookEvent(price: price, size: size, action: action, side: side, flags: flags(slot), depth: depth,
                              tsRecv: tsRecv, tsInDelta: delta, sequence: packetNo)
        if schemas.contains(.mbp10) {
            stager.stageMbp10(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, slot: slot + 1, book: bookPointer(slot),
                              levels: 5)
        }
        if schemas.contains(.mbp1) {
            let top = top(slot)
            if top != topBefore || action == .trade {
                stager.stageMbp1(publisherID: publisherID, instrumentID: id, tsEvent: tsEvent, event: event, level: top, slot: slot + 1)
            }
        }
    }

    private func tradeSummary(slot: Int, lastOffset: Int64, volumeChange: Int64, turnoverFen: Int64, oiChange: Int64) {
        let inst = instruments.pointer(slot)
        guard let last = price(slot: slot, offset: lastOffset) else { return inconsistent(slot) }
        inst.pointee.volume &+= volumeChange
        inst.pointee.turnoverFen &+= turnoverFen
        inst.pointee.openInterest &+= oiChange
        inst.pointee.lastPrice = last
        guard volumeChange > 0 else { return }
        let size = UInt32(clamping: volumeChange)
        if schemas.contains(.trades) {
            stager.stage(TradeMsg(publisherID: publisherID, instrumentID: inst.pointee.instrumentID, tsEvent: tsEvent, price: last,
                                  size: size, side: .none, flags: flags(slot), depth: 0, tsRecv: tsRecv, tsInDelta: delta,
                                  sequence: packetNo), slot: slot + 1)
        }
        emitBook(slot: slot, action: .trade, side: .none, price: last, size: size, depth: 0, topBefore: top(slot))
    }

    private func priceField(slot: Int, field: Int16, offset: Int64) {
        guard let type = SHFEMapping.statType(field: field), schemas.contains(.statistics) else { return }
        guard let p = price(slot: slot, offset: offset) else { return inconsistent(slot) }
        let tradingDay = session.map { UInt64(Int64($0) - 1 + 3652) * 86_400_000_000_000 } ?? undefTimestamp
        stager.stage(StatMsg(publisherID: publisherID, instrumentID: instruments[slot].instrumentID, tsEvent: tsEvent, tsRecv: tsRecv,
                             tsRef: type == .settlementPrice ? tradingDay : undefTimestamp, price: p, sequence: packetNo,
                             tsInDelta: delta, statType: type, statFlags: type == .settlementPrice ? 1 : 0), slot: slot + 1)
    }

    // MARK: - State

    func markStale(slot: Int, reason: String) {
        guard !instruments[slot].isStale else { return }
        staleCount += 1
        instruments[slot].isStale = true
        instruments[slot].isUnverified = false
        stats.staleTransitions += 1
        notice(tsRecv: tsRecv == 0 ? lastTsRecv : tsRecv, instrumentID: instruments[slot].instrumentID,
               "stale instrument=\(instruments[slot].instrumentID) symbol=\(instruments[slot].symbol) reason=\(reason)")
    }

    private func markAllStale(reason: String, tsRecv ts: UInt64) {
        tsRecv = max(ts, lastTsRecv)
        for i in instruments.indices { markStale(slot: i, reason: reason) }
    }

    /// A new trading day (CommPhaseNo): every instrument starts empty and clean, PacketNo from 1.
    private func newSession(tsRecv ts: UInt64) {
        stats.sessionChanges += 1
        if !stager.isEmpty { stager.flush(into: &sink, eventEnded: false) }
        arbiter.reset()
        arbiter.recoversGaps = recovery != nil
        started = false
        staleCount = 0
        recoveryState = RecoveryState(epoch: recoveryState.epoch + 1, nextDelayNs: configuration.retryDelayNs)
        for i in instruments.indices {
            let was = instruments[i]
            instruments[i] = SHFEInstrument(instrumentNo: was.instrumentNo, instrumentID: was.instrumentID, symbol: was.symbol,
                                            codecFP: was.codecFP, tickFP: was.tickFP)
            if was.isStale {
                notice(tsRecv: ts, instrumentID: was.instrumentID, "clean instrument=\(was.instrumentID) symbol=\(was.symbol) via=session_start")
            }
        }
        notice(tsRecv: ts, "reset feed=mirp reason=session_change")
    }

    func notice(tsRecv ts: UInt64, instrumentID: UInt32 = 0, _ text: String) {
        guard schemas.contains(.system) else { return }
        stager.stage(SystemEvents.make(publisherID: publisherID, instrumentID: instrumentID, tsRecv: max(ts, lastTsRecv), text), slot: 0)
    }

    private func sendDefinitions(tsRecv ts: UInt64) {
        definitionsSent = true
        guard schemas.contains(.definition) else { return }
        for (i, m) in reference.instruments.enumerated() {
            stager.stage(SHFEMapping.definition(m, topic: reference.topicID, tsRecv: ts), slot: i + 1)
        }
        stager.flush(into: &sink, eventEnded: true)
    }
}
