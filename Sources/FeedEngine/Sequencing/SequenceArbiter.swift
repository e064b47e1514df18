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
/// - Per line it counts the numbers only that line delivered (the other line lost them).
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
    /// The highest frontier of any line.
    @usableFromInline var furthest: UInt64 = 0 { didSet { inOrderNext = .max } }
    /// `expected` while the steady state holds (nothing held, no hole waiting for recovery, no
    /// line past `expected`), else `UInt64.max`: `acceptInOrder` decides with one compare. Fail-safe:
    /// any write to `expected`, `held`, `missing` or `furthest` resets it to `UInt64.max` (their
    /// observers), so a stale value can only send a packet down the general path. The public
    /// mutating methods re-arm it when they end (`refreshInOrder`); `acceptInOrder` re-arms it itself.
    @usableFromInline var inOrderNext: UInt64 = .max
    /// `expected`, or 0 before the first packet (every number below it was processed): the storage
    /// of `_expected`, and `isOldDuplicate` needs one compare per copy of the other line.
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
    /// Owns the ring of which lines delivered each recent number (bit per line), to count what
    /// only one line delivered; the ring is read and written through `deliveredSlots`.
    @usableFromInline let deliveredBy = DeliveryWindow(size: SequenceArbiter.window)
    /// `deliveredBy`'s ring (a constant address): marking a number loads no class reference first.
    @usableFromInline let deliveredSlots: UnsafeMutablePointer<UInt8>
    @usableFromInline var attributedUpTo: UInt64 = 0
    @usableFromInline static var window: Int { 1 << 16 }

    public init(lineCount: Int, configuration: Configuration = .init()) {
        precondition(lineCount >= 1 && lineCount <= 8)
        self.configuration = configuration
        self.lineCount = lineCount
        lineStats = .init(repeating: LineStats())
        frontier = .init(repeating: 0)
        lastSeen = .init(repeating: 0)
        deliveredSlots = deliveredBy.lines
    }

    public var heldCount: Int { held.count }

    /// A data packet covering `sequence..<sequence+count` (count ≥ 1) arrived on `line`.
    public mutating func receive(_ payload: UnsafeRawBufferPointer, line: Int, sequence: UInt64, count: Int,
                                 tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        precondition(count >= 1)
        see(line, tsRecv)
        let last = sequence + UInt64(count) - 1
        advance(line, to: last)
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
            markDelivered(line: line, from: next, to: last)
            lineStats[line].delivered += 1
            _expected = last + 1
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
        see(line, tsRecv)
        // The window's store first: after it, the writes to this struct below are adjacent, so the
        // resets of `inOrderNext` by their observers are dead stores the compiler drops.
        markDelivered(line: line, from: sequence, to: last)
        lineStats[line].delivered &+= 1
        frontier[line] = last  // `advance`, unconditionally: no line is past `expected` (steady state)
        furthest = last
        processedBelow = last &+ 1  // `_expected`, already started (`inOrderNext` matched)
        inOrderNext = last &+ 1  // after the writes above reset it: still the steady state
        return true
    }

    /// Whether numbers `sequence..<sequence+count` were all processed already: such a copy can be
    /// counted and dropped without validating it (cheap pre-check for the other line's copies).
    @inlinable public func isOldDuplicate(sequence: UInt64, count: Int) -> Bool {
        sequence &+ UInt64(count) &- 1 < processedBelow
    }

    /// Counts a copy that `isOldDuplicate` said was already processed.
    @inlinable @inline(__always) public mutating func countDuplicate(line: Int, sequence: UInt64, count: Int, tsRecv: UInt64) {
        see(line, tsRecv)
        advance(line, to: sequence &+ UInt64(count) &- 1)
        duplicate(line: line, sequence: sequence, count: count)
    }

    /// A heartbeat on `line` showing it has passed every number up to `passed` (nil: it shows
    /// nothing, e.g. the line's first heartbeat before any number).
    public mutating func heartbeat(line: Int, passed: UInt64?, tsRecv: UInt64, _ body: (Event) -> Void) {
        defer { refreshInOrder() }
        lineStats[line].heartbeats += 1
        see(line, tsRecv)
        if let passed { advance(line, to: passed) }
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
        frontier = .init(repeating: 0)
        furthest = 0
        flushAttribution(upTo: .max)
        attributedUpTo = 0
        deliveredBy.clear()
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

    /// `line` has passed every number up to `number`.
    @inlinable @inline(__always) mutating func advance(_ line: Int, to number: UInt64) {
        if number > frontier[line] { frontier[line] = number }
        if number > furthest { furthest = number }
    }

    /// A datagram arrived on `line`: counted, its time kept.
    @inlinable @inline(__always) mutating func see(_ line: Int, _ tsRecv: UInt64) {
        lineStats[line].received &+= 1
        lastSeen[line] = tsRecv
    }

    /// (Always inlined: with the usual constant `count` of 1 the attribution loop folds away.)
    @inlinable @inline(__always) mutating func duplicate(line: Int, sequence: UInt64, count: Int) {
        lineStats[line].duplicates &+= 1
        markDelivered(line: line, from: sequence, to: sequence + UInt64(count) - 1)
    }

    /// Delivers the held packets that continue the sequence; the ones wholly before `expected` (other
    /// copies, or numbers a snapshot covered) are recycled silently.
    private mutating func drainHeld(tsRecv: UInt64, _ body: (Event) -> Void) {
        while let first = held.first, let next = _expected, first.sequence <= next {
            let packet = held.removeFirst()
            let last = packet.sequence + UInt64(packet.count) - 1
            if last >= next {
                lineStats[packet.line].delivered += 1
                markDelivered(line: packet.line, from: next, to: last)
                _expected = last + 1
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

    /// Records that `line` delivered numbers `from...to`; numbers that fall out of the window are
    /// attributed: delivered by exactly one line → that line's `onlyThisLine`.
    @inlinable @inline(__always)
    mutating func markDelivered(line: Int, from: UInt64, to: UInt64) {
        let window = UInt64(Self.window)
        // Usually `to` is in the window `attributedUpTo..<attributedUpTo + window`: one unsigned
        // compare tells (a number below it wraps around to a large difference).
        if to &- attributedUpTo >= window {
            guard to >= attributedUpTo else { return }  // attributed already
            // Attribute in batches of 1/16 of the window: one call per 4,096 numbers, not one per packet.
            flushAttribution(upTo: to &- window &+ 1 &+ window / 16)
        }
        let bit = UInt8(1) &<< UInt8(truncatingIfNeeded: line)
        let mask = window &- 1
        let slots = deliveredSlots
        // The first number, then the rest: written so that a single number (count 1, a constant at
        // most call sites) compiles to one store, with no loop.
        // A range may start before the attributed numbers; a single number may not (the window
        // test above returns for one below them, and a flush leaves `attributedUpTo` below `to`):
        // with a constant count of 1 the test folds away.
        var n = from != to && from < attributedUpTo ? attributedUpTo : from
        slots[Int(truncatingIfNeeded: n & mask)] |= bit
        while n < to {
            n &+= 1
            slots[Int(truncatingIfNeeded: n & mask)] |= bit
        }
    }

    @usableFromInline mutating func flushAttribution(upTo limit: UInt64) {
        let window = UInt64(Self.window)
        let end = limit == .max ? (_expected ?? attributedUpTo) : min(limit, _expected ?? limit)
        var n = attributedUpTo
        // Walk at most one window: older numbers were attributed already.
        if end > n + window { n = end - window }
        // Usually both lines of a pair delivered every number: 8 such slots (bytes 0b11) are
        // checked and cleared as one word. A word starts at a number divisible by 8, so it never
        // wraps the ring (its size is a multiple of 8).
        let bothOfTwo: UInt64 = 0x0303_0303_0303_0303
        while n < end {
            if n & 7 == 0, end - n >= 8 {
                let word = UnsafeMutableRawPointer(deliveredSlots + Int(n % window))
                if word.loadUnaligned(as: UInt64.self) == bothOfTwo {
                    word.storeBytes(of: 0, as: UInt64.self)
                    n += 8
                    continue
                }
            }
            let slot = Int(n % window)
            let mask = deliveredSlots[slot]
            if mask != 0 && mask & (mask - 1) == 0 {
                lineStats[mask.trailingZeroBitCount].onlyThisLine += 1
            }
            deliveredSlots[slot] = 0
            n += 1
        }
        attributedUpTo = max(attributedUpTo, end)
    }
}

/// Which lines delivered each recent sequence number (a bit per line), in a ring indexed by the
/// number modulo `size`. A class owning its buffer, so that marking a number on the hot path is a
/// store — an array here would cost a copy-on-write uniqueness check per datagram. One arbiter owns
/// it; a copy of that arbiter (to read its counters) shares it, so only the original is driven.
public final class DeliveryWindow {
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
