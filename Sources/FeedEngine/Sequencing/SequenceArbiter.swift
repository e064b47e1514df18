/// A/B line arbitration for one sequenced feed, the same for every venue (DESIGN.md, Sequencing
/// and recovery).
///
/// Every datagram covers a range of sequence numbers: CME and SHFE number packets (one each), ICE
/// numbers messages (a packet covers `count` of them). Heartbeats cover none but move the line's
/// *frontier*, the highest number the line has passed (ICE announces the next number, SHFE repeats
/// the last one; the venue translates).
///
/// - The first copy of each number wins; later copies are duplicates, counted per line.
/// - A packet ahead of a missing number is held (copied). The missing numbers are declared lost —
///   a gap — once every *alive* line's frontier has passed them, or when the hole has been open for
///   `holdTimeoutNs`. Both rules use only arrival order and `ts_recv`, so a replay at any speed
///   gives exactly the live result.
/// - Per line it counts the numbers only that line delivered (the other line lost them). A line
///   delivers its numbers in order almost always, so who delivered what is kept as exceptions: every
///   number up to a line's frontier counts as delivered by it unless it is marked *missed* in a ring
///   of recent numbers (a number the line skipped, until a late copy arrives). The in-order copy of
///   either line then costs a compare, not a store. Numbers are attributed about a window
///   (65,536 numbers) after they were processed, so late copies still count.
///
/// - At start-up the first packets are held for `startupGraceNs` and the sequence starts at the
///   lowest number seen, so packets reordered across the lines at the start do not look like a
///   late join.
///
/// Events come out through the `body` callback of `receive`, in sequence order: `.deliver` for each
/// packet to process (from the caller's buffer, or from a held copy) and `.gap` for a lost range.
///
/// **Recovery by request** (SHFE MDQP): with `recoversGaps` a hole is never skipped. Once it would
/// be declared lost it is published in `missing` instead, and the packets after it stay held until
/// the venue fills it (`fill`, retransmitted packets), replaces the state up to a number
/// (`resume(after:)`, a snapshot), or gives up (`abandon`, the hole becomes a gap). A hole with
/// more than `maxHeld` packets held behind it is declared lost as usual.
public struct SequenceArbiter {
    public struct Configuration: Sendable {
        /// How long a hole may stay open before it is declared lost, on the ts_recv clock.
        public var holdTimeoutNs: UInt64
        /// A line that delivered nothing for this long is not alive and does not hold up gaps.
        public var lineLivenessNs: UInt64
        /// The most packets held at once; past it the hole is declared lost.
        public var maxHeld: Int
        /// How long the first packets are held before the sequence starts at the lowest seen.
        public var startupGraceNs: UInt64

        public init(holdTimeoutNs: UInt64 = 50_000_000, lineLivenessNs: UInt64 = 5_000_000_000, maxHeld: Int = 10_000,
                    startupGraceNs: UInt64 = 20_000_000) {
            self.holdTimeoutNs = holdTimeoutNs
            self.lineLivenessNs = lineLivenessNs
            self.maxHeld = maxHeld
            self.startupGraceNs = startupGraceNs
        }
    }

    /// Counters of one line.
    public struct LineStats: Sendable, Equatable {
        /// Datagrams that reached the arbiter from this line.
        public var received = 0
        /// Copies that won (first valid copy of their numbers).
        public var delivered = 0
        /// Copies that lost to an earlier copy.
        public var duplicates = 0
        /// Sequence numbers that only this line delivered: every other line lost them.
        public var onlyThisLine = 0
        /// Heartbeats (no sequence numbers).
        public var heartbeats = 0
    }

    /// What the arbiter decided.
    public enum Event {
        /// Process this packet: numbers `sequence..<sequence+count`; the first `skip` of them were
        /// already processed from another copy (ICE ranges may overlap).
        case deliver(payload: UnsafeRawBufferPointer, sequence: UInt64, count: Int, skip: Int, tsRecv: UInt64, line: Int)
        /// Numbers `from...to` were lost on every line.
        case gap(from: UInt64, to: UInt64, tsRecv: UInt64)
    }

    public let configuration: Configuration
    public let lineCount: Int
    /// Per-line state lives inline (at most 8 lines): no copy-on-write check per packet.
    @usableFromInline var lineStats: InlineArray<8, LineStats>
    public var lines: [LineStats] { (0..<lineCount).map { lineStats[$0] } }
    /// The next number to process; nil until the first packet. Stored as `processedBelow` and
    /// `started`, so that the steady state (`acceptInOrder`) moves it with one store.
    @usableFromInline var _expected: UInt64? {
        get { started ? processedBelow : nil }
        set {
            started = newValue != nil
            processedBelow = newValue ?? 0
            inOrderNext = .max
        }
    }
    /// Whether `expected` is set.
    @usableFromInline var started = false
    public var expected: UInt64? { _expected }
    public private(set) var gaps = 0
    public private(set) var lostNumbers: UInt64 = 0
    /// Holes wait for the venue's recovery instead of being declared lost (see the type's notes).
    public var recoversGaps = false
    /// With `recoversGaps`: where a sequence starts (SHFE: PacketNo 1), so joining late shows as a
    /// hole before the first packet seen. Nil: start at the lowest number seen.
    public var firstNumber: UInt64?
    /// With `recoversGaps`: the hole every alive line has passed (or that timed out), waiting for recovery.
    @usableFromInline var _missing: ClosedRange<UInt64>? { didSet { inOrderNext = .max } }
    public var missing: ClosedRange<UInt64>? { _missing }

    /// Highest number each line has passed; 0 = nothing yet (sequence numbers start at 1).
    @usableFromInline var frontier: InlineArray<8, UInt64>
    /// The highest frontier of any line, where that is at or past `expected`; below it, it may lag
    /// (the steady-state paths leave it: it is used only against `expected`).
    @usableFromInline var furthest: UInt64 = 0 { didSet { inOrderNext = .max } }
    /// `expected` while the steady state holds (nothing held, no hole waiting for recovery, no
    /// line past `expected`), else `UInt64.max`: `acceptInOrder` decides with one compare. Fail-safe:
    /// any write to `expected`, `held`, `missing` or `furthest` resets it to `UInt64.max` (their
    /// observers), so a stale value can only send a packet down the general path. The public
    /// mutating methods re-arm it when they end (`refreshInOrder`); `acceptInOrder` re-arms it itself.
    @usableFromInline var inOrderNext: UInt64 = .max
    /// `expected`, or 0 before the first packet (every number below it was processed): the storage
    /// of `_expected`, and `countIfOldDuplicate` needs one compare per copy of the other line.
    @usableFromInline var processedBelow: UInt64 = 0
    /// Last ts_recv of each line; valid once the line has received a datagram (`hasSeen`).
    @usableFromInline var lastSeen: InlineArray<8, UInt64>
    /// Whether `line` has received anything: derived from its count, not kept per datagram.
    func hasSeen(_ line: Int) -> Bool { lineStats[line].received > 0 }
    /// The latest ts_recv of any line (0 before the first datagram).
    public var latestTsRecv: UInt64 {
        (0..<lineCount).reduce(0) { hasSeen($1) ? max($0, lastSeen[$1]) : $0 }
    }
    /// Held packets, sorted by first sequence number.
    @usableFromInline var held: [StoredPacket] = [] { didSet { inOrderNext = .max } }
    private var holeOpenedAt: UInt64?
    /// Until this ts_recv the arbiter is starting: packets are held and `expected` is not set.
    private var startupDeadline: UInt64?
    private var store = PacketStore()
    /// Owns the ring of which lines missed each recent number (bit per line), to count what only
    /// one line delivered; the ring is read and written through `missedSlots`.
    @usableFromInline let missedBy = MissedWindow(size: SequenceArbiter.window)
    /// `missedBy`'s ring (a constant address): marking a number loads no class reference first.
    @usableFromInline let missedSlots: UnsafeMutablePointer<UInt8>
    /// Every number below it has been attributed (counted in `onlyThisLine` or not). The ring holds
    /// the marks of the numbers `attributedUpTo..<attributedUpTo + window`, and only of those.
    /// (Sequence numbers start at 1.)
    @usableFromInline var attributedUpTo: UInt64 = 1
    /// `attributedUpTo + window`: a delivery reaching it makes the next attribution due.
    @usableFromInline var attributionDueAt = 1 + UInt64(SequenceArbiter.window)
    /// Missed numbers that did not fit the ring, per line: a line skipping to a window or more past
    /// `attributedUpTo`, which happens only while a hole on every line is still open (an outage of
    /// both lines). Usually empty; at most `farMissedLimit` ranges (past it the oldest is forgotten,
    /// and its numbers count as delivered by its line: only a stream of absurd sequence numbers
    /// gets there).
    var farMissed: [(line: Int, numbers: ClosedRange<UInt64>)] = []
    static var farMissedLimit: Int { 256 }
    @usableFromInline static var window: Int { 1 << 16 }

    public init(lineCount: Int, configuration: Configuration = .init()) {
        precondition(lineCount >= 1 && lineCount <= 8)
        self.configuration = configuration
        self.lineCount = lineCount
        lineStats = .init(repeating: LineStats())
        frontier = .init(repeating: 0)
        lastSeen = .init(repeating: 0)
        missedSlots = missedBy.lines
    }

    public var heldCount: Int { held.count }

    /// A data packet covering `sequence..<sequence+count` (count ≥ 1) arrived on `line`.
    public mutating func receive(_ payload: UnsafeRawBufferPointer, line: Int, sequence: UInt64, count: Int,
                                 tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        precondition(count >= 1)
        see(line, tsRecv)
        let last = sequence + UInt64(count) - 1
        advance(line, from: sequence, to: last)
        if _expected == nil {
            // Starting: hold everything for the grace period, then begin at the lowest number.
            if startupDeadline == nil { startupDeadline = tsRecv &+ configuration.startupGraceNs }
            if !held.contains(where: { $0.sequence == sequence }) {
                let copy = store.store(payload, sequence: sequence, count: count, tsRecv: tsRecv, line: line)
                let index = held.firstIndex { $0.sequence > sequence } ?? held.count
                held.insert(copy, at: index)
            } else {
                duplicate(line: line, sequence: sequence, count: count)
            }
            return endStartupIfDue(now: tsRecv, body)
        }
        let next = _expected!
        if last < next {
            duplicate(line: line, sequence: sequence, count: count)
        } else if sequence <= next {
            let skip = Int(next - sequence)
            lineStats[line].delivered += 1
            _expected = last + 1
            attributeIfDue(last)
            body(.deliver(payload: payload, sequence: sequence, count: count, skip: skip, tsRecv: tsRecv, line: line))
            drainHeld(tsRecv: tsRecv, body)
        } else if held.contains(where: { $0.sequence == sequence }) {
            duplicate(line: line, sequence: sequence, count: count)
        } else {
            let copy = store.store(payload, sequence: sequence, count: count, tsRecv: tsRecv, line: line)
            let index = held.firstIndex { $0.sequence > sequence } ?? held.count
            held.insert(copy, at: index)
            if holeOpenedAt == nil { holeOpenedAt = tsRecv }
        }
        declareGaps(now: tsRecv, body)
    }

    /// The steady-state case of `receive`, decided without the event machinery: when the packet
    /// covering `sequence..<sequence+count` is exactly the next one, nothing is held, no line is
    /// ahead of it and no hole waits for recovery, it is accepted (counted, attributed, `expected`
    /// advanced) and true is returned; the caller processes it at once. This is exactly what
    /// `receive` would do — deliver it, with nothing to drain and no gap to declare — minus the
    /// callback. Otherwise nothing changes and false is returned: call `receive`.
    @inlinable @inline(__always) public mutating func acceptInOrder(line: Int, sequence: UInt64, count: Int, tsRecv: UInt64) -> Bool {
        guard sequence == inOrderNext, count >= 1 else { return false }
        let last = sequence &+ UInt64(count) &- 1
        // `last` neither wraps nor is the sentinel (with a count of 1, one compare that also
        // rejects a sequence equal to the sentinel `UInt64.max`).
        guard last >= sequence, last != .max else { return false }
        // The line continues from its last copy (else it skipped numbers: `receive` marks them) and
        // no attribution is due (`receive` does it).
        guard sequence == frontier[line] &+ 1, last < attributionDueAt else { return false }
        see(line, tsRecv)
        frontier[line] = last  // `advance`, unconditionally: no line is past `expected` (steady state)
        lineStats[line].delivered &+= 1
        // `furthest` stays (see its note): `last` is below the new `expected`.
        processedBelow = last &+ 1  // `_expected`, already started (`inOrderNext` matched)
        inOrderNext = last &+ 1  // after the writes above reset it: still the steady state
        return true
    }

    /// The other line's copy of numbers already processed, the usual case, counted without the
    /// event machinery and without validating the copy: when numbers `sequence..<sequence+count`
    /// were all processed and the copy continues `line` (it skipped nothing since the line's last
    /// copy, so there is nothing to mark), it is counted as a duplicate and true is returned.
    /// Otherwise nothing changes and false is returned: validate it and call `receive`.
    /// (`furthest` stays, see its note: these numbers are below `expected`.)
    @inlinable @inline(__always)
    public mutating func countIfOldDuplicate(line: Int, sequence: UInt64, count: Int, tsRecv: UInt64) -> Bool {
        let last = sequence &+ UInt64(count) &- 1
        // Mutating, so the frontier is read in place (a non-mutating read copied all eight).
        guard last < processedBelow, sequence == frontier[line] &+ 1 else { return false }
        see(line, tsRecv)
        frontier[line] = last
        duplicate(line: line, sequence: sequence, count: count)
        return true
    }

    /// A heartbeat on `line` showing it has passed every number up to `passed` (nil: it shows
    /// nothing, e.g. the line's first heartbeat before any number).
    public mutating func heartbeat(line: Int, passed: UInt64?, tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        lineStats[line].heartbeats += 1
        see(line, tsRecv)
        if let passed { pass(line, to: passed) }
        if _expected == nil {
            if held.isEmpty, let passed { _expected = recoversGaps ? min(firstNumber ?? passed + 1, passed + 1) : passed + 1 }
            return endStartupIfDue(now: tsRecv, body)
        }
        declareGaps(now: tsRecv, body)
    }

    /// Time passes with no packet (live sources call this when idle): timeouts may expire.
    public mutating func tick(now: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        if _expected == nil { return endStartupIfDue(now: now, body) }
        declareGaps(now: now, body)
    }

    private mutating func endStartupIfDue(now: UInt64, _ body: (Event) -> Void, force: Bool = false) {
        guard _expected == nil, let deadline = startupDeadline, force || now >= deadline, let first = held.first else { return }
        _expected = recoversGaps && !force ? min(firstNumber ?? first.sequence, first.sequence) : first.sequence
        startupDeadline = nil
        drainHeld(tsRecv: now, body)
        declareGaps(now: now, body)
    }

    /// Forgets the sequence state (a session change): the next packet sets `expected`.
    public mutating func reset() {
        defer { refreshInOrder() }
        for packet in held { store.recycle(packet) }
        held.removeAll()
        holeOpenedAt = nil
        _expected = nil
        _missing = nil
        startupDeadline = nil
        flushAttribution(upTo: .max)
        frontier = .init(repeating: 0)
        furthest = 0
        attributedUpTo = 1
        attributionDueAt = 1 + UInt64(Self.window)
        farMissed.removeAll()
        missedBy.clear()
    }

    /// Declares every still-open hole lost (end of a capture): held packets are delivered.
    public mutating func finish(tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        endStartupIfDue(now: tsRecv, body, force: true)
        while let first = held.first, let next = _expected {
            if first.sequence > next { declare(from: next, to: first.sequence - 1, tsRecv: tsRecv, body) }
            drainHeld(tsRecv: tsRecv, body)
        }
        flushAttribution(upTo: .max)
    }

    // MARK: - Recovery by request

    /// A packet the venue's recovery supplied (a retransmission): processed like a live copy, but
    /// counted for no line. Copies of numbers already processed are ignored.
    public mutating func fill(_ payload: UnsafeRawBufferPointer, sequence: UInt64, count: Int, tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        guard let next = _expected else { return }
        let last = sequence + UInt64(count) - 1
        if last < next { return }
        if sequence <= next {
            _expected = last + 1
            body(.deliver(payload: payload, sequence: sequence, count: count, skip: Int(next - sequence), tsRecv: tsRecv, line: lineCount))
            drainHeld(tsRecv: tsRecv, body)
        } else if !held.contains(where: { $0.sequence == sequence }) {
            let copy = store.store(payload, sequence: sequence, count: count, tsRecv: tsRecv, line: lineCount)
            let index = held.firstIndex { $0.sequence > sequence } ?? held.count
            held.insert(copy, at: index)
        }
        if let m = _missing, (_expected ?? 0) > m.lowerBound { _missing = nil }
        declareGaps(now: tsRecv, body)
    }

    /// The venue replaced its state with a snapshot holding every number ≤ `number`: held packets up
    /// to it are dropped, the sequence continues after it.
    public mutating func resume(after number: UInt64, tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        startupDeadline = nil
        _missing = nil
        _expected = max(_expected ?? 0, number + 1)
        drainHeld(tsRecv: tsRecv, body)
        declareGaps(now: tsRecv, body)
    }

    /// Recovery failed: the open hole is declared lost (a `.gap`) and the packets held after it are
    /// delivered. Set `recoversGaps` to false first so later holes are not held either.
    public mutating func abandon(tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        _missing = nil
        if _expected == nil { return endStartupIfDue(now: tsRecv, body, force: true) }
        if let next = _expected, let first = held.first, first.sequence > next {
            declare(from: next, to: first.sequence - 1, tsRecv: tsRecv, body)
        }
        drainHeld(tsRecv: tsRecv, body)
        declareGaps(now: tsRecv, body)
    }

    // MARK: - internals

    /// Re-arms `inOrderNext` after any change outside the steady-state path.
    private mutating func refreshInOrder() {
        if let next = _expected, held.isEmpty, _missing == nil, furthest <= next {
            inOrderNext = next
        } else {
            inOrderNext = .max
        }
    }

    /// `line` delivered numbers `from...to`.
    @inlinable @inline(__always) mutating func advance(_ line: Int, from: UInt64, to: UInt64) {
        noteDelivery(line, from: from, to: to)
        if to > furthest { furthest = to }
    }

    /// `line` has passed every number up to `number` without delivering the ones past its frontier
    /// (a heartbeat): those are missed.
    mutating func pass(_ line: Int, to number: UInt64) {
        let f = frontier[line]
        if number > f {
            markMissed(line: line, from: f + 1, to: number)
            frontier[line] = number
        }
        if number > furthest { furthest = number }
    }

    /// `line` delivered numbers `from...to`: its frontier moves on. The usual copy continues the
    /// line (one compare); one that skips numbers, or comes back for numbers it had skipped, updates
    /// the marks out of line.
    @inlinable @inline(__always) mutating func noteDelivery(_ line: Int, from: UInt64, to: UInt64) {
        if _fastPath(from == frontier[line] &+ 1) {
            frontier[line] = to
        } else {
            noteDeliveryOutOfOrder(line, from: from, to: to)
        }
    }

    @usableFromInline mutating func noteDeliveryOutOfOrder(_ line: Int, from: UInt64, to: UInt64) {
        let f = frontier[line]
        if from > f &+ 1 {
            markMissed(line: line, from: f &+ 1, to: from - 1)  // skipped: lost on this line, or late
        } else if from <= f {
            unmarkMissed(line: line, from: from, to: min(to, f))  // a late copy, or a duplicate
        }
        if to > f { frontier[line] = to }
    }

    /// A datagram arrived on `line`: counted, its time kept.
    @inlinable @inline(__always) mutating func see(_ line: Int, _ tsRecv: UInt64) {
        lineStats[line].received &+= 1
        lastSeen[line] = tsRecv
    }

    /// A copy of numbers processed already (its attribution was noted by `advance`).
    @inlinable @inline(__always) mutating func duplicate(line: Int, sequence: UInt64, count: Int) {
        lineStats[line].duplicates &+= 1
    }

    /// Delivers the held packets that continue the sequence; the ones wholly before `expected` (other
    /// copies, or numbers a snapshot covered) are recycled silently.
    private mutating func drainHeld(tsRecv: UInt64, _ body: (Event) -> Void) {
        while let first = held.first, let next = _expected, first.sequence <= next {
            let packet = held.removeFirst()
            let last = packet.sequence + UInt64(packet.count) - 1
            if last >= next {
                lineStats[packet.line].delivered += 1
                _expected = last + 1
                attributeIfDue(last)
                packet.bytes.withUnsafeBytes { bytes in
                    body(.deliver(payload: bytes, sequence: packet.sequence, count: packet.count,
                                  skip: Int(next - packet.sequence), tsRecv: tsRecv, line: packet.line))
                }
            }
            store.recycle(packet)
        }
        holeOpenedAt = held.isEmpty ? nil : (holeOpenedAt ?? tsRecv)
    }

    private mutating func declareGaps(now: UInt64, _ body: (Event) -> Void) {
        while let next = _expected {
            let holeEnd: UInt64
            if let first = held.first {
                holeEnd = first.sequence - 1
            } else {
                guard furthest >= next else { return }
                holeEnd = furthest  // tail loss seen through a heartbeat or a lone line
            }
            // Every alive line has passed the numbers up to `passedByAll`.
            var passedByAll: UInt64? = nil
            for i in 0..<lineCount {
                guard hasSeen(i), now &- lastSeen[i] <= configuration.lineLivenessNs else { continue }
                let f = frontier[i]
                passedByAll = min(passedByAll ?? f, f)
            }
            var cut: UInt64? = nil
            if let p = passedByAll, p >= next { cut = min(p, holeEnd) }
            if let opened = holeOpenedAt, now &- opened >= configuration.holdTimeoutNs { cut = holeEnd }
            let overflow = held.count > configuration.maxHeld
            if overflow { cut = holeEnd }
            guard let to = cut else {
                if let m = _missing, m.lowerBound != next { _missing = nil }
                return
            }
            if recoversGaps && !overflow {
                _missing = next...max(to, _missing.map { $0.lowerBound == next ? $0.upperBound : to } ?? to)
                return
            }
            _missing = nil
            declare(from: next, to: to, tsRecv: now, body)
            drainHeld(tsRecv: now, body)
        }
    }

    private mutating func declare(from: UInt64, to: UInt64, tsRecv: UInt64, _ body: (Event) -> Void) {
        gaps += 1
        lostNumbers += to - from + 1
        _expected = to + 1
        holeOpenedAt = held.isEmpty ? nil : tsRecv
        body(.gap(from: from, to: to, tsRecv: tsRecv))
    }

    // MARK: - Attribution (which line delivered what)

    /// Attributes the numbers a window behind `last` once a delivery reaches `attributionDueAt`:
    /// one flush per 4,096 numbers (1/16 of the window), not one per packet.
    @inlinable @inline(__always) mutating func attributeIfDue(_ last: UInt64) {
        if _slowPath(last >= attributionDueAt) {
            let window = UInt64(Self.window)
            flushAttribution(upTo: last &- window &+ 1 &+ window / 16)
        }
    }

    /// Marks numbers `from...to` missed by `line` (first making room in the window for `to`).
    /// Numbers already attributed are left alone; numbers past the window go to `farMissed`.
    @usableFromInline mutating func markMissed(line: Int, from: UInt64, to: UInt64) {
        let window = UInt64(Self.window)
        if to >= attributionDueAt { flushAttribution(upTo: to - window + 1 + window / 16) }
        let bit = UInt8(1) << UInt8(line)
        let windowEnd = attributedUpTo + window
        var n = max(from, attributedUpTo)
        while n <= to && n < windowEnd {
            missedSlots[Int(n % window)] |= bit
            n += 1
        }
        if to >= windowEnd {
            farMissed.append((line, max(from, windowEnd)...to))
            if farMissed.count > Self.farMissedLimit { farMissed.removeFirst() }
        }
    }

    /// A late copy from `line` of numbers `from...to` it had skipped: no longer missed by it.
    @usableFromInline mutating func unmarkMissed(line: Int, from: UInt64, to: UInt64) {
        let window = UInt64(Self.window)
        let bit = UInt8(1) << UInt8(line)
        var n = max(from, attributedUpTo)
        while n <= to && n < attributedUpTo + window {
            missedSlots[Int(n % window)] &= ~bit
            n += 1
        }
        if !farMissed.isEmpty {
            // Cut `from...to` out of the line's far ranges (each may split in two).
            farMissed = farMissed.flatMap { far -> [(line: Int, numbers: ClosedRange<UInt64>)] in
                guard far.line == line, far.numbers.overlaps(from...to) else { return [far] }
                var rest: [(line: Int, numbers: ClosedRange<UInt64>)] = []
                if far.numbers.lowerBound < from { rest.append((line, far.numbers.lowerBound...(from - 1))) }
                if far.numbers.upperBound > to { rest.append((line, (to + 1)...far.numbers.upperBound)) }
                return rest
            }
        }
    }

    /// The lines that delivered `number` as far as the frontiers and the far ranges tell: their
    /// frontier is at or past it and no far range of theirs covers it (the ring may mark more).
    func linesDelivering(_ number: UInt64) -> UInt8 {
        var lines: UInt8 = 0
        for line in 0..<lineCount where frontier[line] >= number { lines |= 1 << UInt8(line) }
        for far in farMissed where far.numbers.contains(number) { lines &= ~(1 << UInt8(far.line)) }
        return lines
    }

    /// Where the set `linesDelivering` gives stops holding, after `number`: at a line's frontier
    /// plus one, at the end of the ring's window, at a far range's ends, or at `end`.
    func nextChange(after number: UInt64, end: UInt64, markedEnd: UInt64) -> UInt64 {
        var next = end
        func consider(_ candidate: UInt64) { if candidate > number && candidate < next { next = candidate } }
        consider(markedEnd)
        for line in 0..<lineCount where frontier[line] < .max { consider(frontier[line] + 1) }
        for far in farMissed {
            consider(far.numbers.lowerBound)
            if far.numbers.upperBound < .max { consider(far.numbers.upperBound + 1) }
        }
        return next
    }

    /// Counts `count` numbers that exactly the lines in `lines` delivered: for that line when it is
    /// one line.
    mutating func credit(_ lines: UInt8, _ count: Int) {
        if lines != 0 && lines & (lines &- 1) == 0 { lineStats[lines.trailingZeroBitCount].onlyThisLine += count }
    }

    /// Attributes the numbers below `limit` and below `expected`: a number delivered by exactly one
    /// line counts for that line's `onlyThisLine`. It goes in segments over which the lines that
    /// passed a number and the far ranges covering it do not change (usually one); only inside the
    /// ring's window are numbers read one by one (8 at a time where no line missed any), and their
    /// marks cleared.
    @usableFromInline mutating func flushAttribution(upTo limit: UInt64) {
        let window = UInt64(Self.window)
        let end = limit == .max ? (_expected ?? attributedUpTo) : min(limit, _expected ?? limit)
        var n = attributedUpTo
        guard n < end else { return }
        // Past `attributedUpTo + window` nothing is marked in the ring (marks are written only inside
        // the window).
        let markedEnd = min(end, n + window)
        while n < end {
            let stop = nextChange(after: n, end: end, markedEnd: markedEnd)
            let lines = linesDelivering(n)
            if n >= markedEnd {
                credit(lines, Int(stop - n))
                n = stop
                continue
            }
            while n < stop {
                // A word starts at a number divisible by 8, so it never wraps the ring (its size is a
                // multiple of 8).
                if n & 7 == 0 {
                    var m = n
                    while stop - m >= 8, UnsafeRawPointer(missedSlots + Int(m % window)).loadUnaligned(as: UInt64.self) == 0 {
                        m += 8
                    }
                    if m != n {
                        credit(lines, Int(m - n))
                        n = m
                        continue
                    }
                }
                let slot = Int(n % window)
                credit(lines & ~missedSlots[slot], 1)
                missedSlots[slot] = 0
                n += 1
            }
        }
        if !farMissed.isEmpty {
            farMissed = farMissed.compactMap { far in
                far.numbers.upperBound < end ? nil : (far.line, max(far.numbers.lowerBound, end)...far.numbers.upperBound)
            }
        }
        attributedUpTo = end
        attributionDueAt = end + window
    }
}

/// Which lines missed each recent sequence number (a bit per line), in a ring indexed by the
/// number modulo `size`. A class owning its buffer, so that a mark is a store — an array here would
/// cost a copy-on-write uniqueness check per mark. One arbiter owns
/// it; a copy of that arbiter (to read its counters) shares it, so only the original is driven.
public final class MissedWindow {
    @usableFromInline let lines: UnsafeMutablePointer<UInt8>
    @usableFromInline let size: Int

    init(size: Int) {
        self.size = size
        lines = .allocate(capacity: size)
        lines.initialize(repeating: 0, count: size)
    }

    deinit { lines.deallocate() }

    func clear() { lines.update(repeating: 0, count: size) }
}
