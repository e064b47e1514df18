import Atomics
import Glibc

/// One producer, any number of subscribers, variable-length records (DESIGN.md, Rings).
///
/// The ring is `capacity` bytes (a power of two) of entries, each 8-byte aligned:
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 4 | entry length in bytes, header included |
/// | 4 | 4 | kind: 1 record, 2 padding to the end of the buffer |
/// | 8 | 8 | record sequence number (0, 1, 2, … per record) |
/// | 16 | n | the record (n a multiple of 8) |
///
/// A record never wraps: when it does not fit before the end, a padding entry fills the rest (or,
/// with fewer than 16 bytes left, both sides skip them).
///
/// **Producer** (one thread): publishes `claimed` (how far it may be writing), writes the entry
/// with relaxed atomic word stores, then publishes `published` with a release store.
///
/// **Lossless subscribers** hold the producer back: it never overwrites what they have not read,
/// so they read in place, zero-copy, and publish their cursor (release) for the producer.
///
/// **Lossy subscribers** never hold it back. They copy an entry with relaxed atomic loads, then
/// (acquire fence) re-read `claimed`: if the producer may have reached the bytes they copied, the
/// copy is discarded and they resync to the newest data — a seqlock, so a torn record is never
/// delivered. The sequence number in each entry tells them exactly how many records they missed.
public final class BroadcastRing: @unchecked Sendable {
    public enum Policy: Sendable { case lossy, lossless }

    public static let maxSubscribers = 32
    /// The largest record a ring entry takes (DBN's largest record is 528 bytes).
    public static let maxRecordLength = 1024
    static let headerSize = 16
    static let kindRecord: UInt32 = 1
    static let kindPadding: UInt32 = 2

    public let capacity: Int
    let mask: Int
    let buffer: UnsafeMutableRawPointer
    /// Cells: 0 published, 1 claimed, 2 registry generation, then per subscriber slot a cursor and
    /// a state (0 free, 1 lossy, 2 lossless).
    let cells: AtomicCells
    let producerWait: WaitStrategy
    let dataParker = Parker()
    let spaceParker = Parker()

    // Producer-local state (one producer thread; no exclusivity checks needed or wanted).
    @exclusivity(unchecked) var position: UInt64 = 0
    @exclusivity(unchecked) var sequence: UInt64 = 0
    /// The producer may write up to here without looking at the lossless cursors again.
    @exclusivity(unchecked) var gate: UInt64 = .max
    @exclusivity(unchecked) var gateGeneration: UInt64 = .max

    /// - Parameters:
    ///   - capacity: bytes, a power of two of at least 4 KiB.
    ///   - producerWait: how the producer waits when a lossless subscriber is a full ring behind.
    public init(capacity: Int, producerWait: WaitStrategy = .yield) {
        precondition(capacity >= 4096 && capacity & (capacity - 1) == 0, "ring capacity must be a power of two >= 4096")
        self.capacity = capacity
        mask = capacity - 1
        buffer = .allocate(byteCount: capacity, alignment: 128)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        cells = AtomicCells(count: 3 + 2 * Self.maxSubscribers)
        self.producerWait = producerWait
    }

    deinit {
        cells.deallocate()
        buffer.deallocate()
    }

    @inline(__always) var published: UnsafeAtomic<UInt64> { cells[0] }
    @inline(__always) var claimed: UnsafeAtomic<UInt64> { cells[1] }
    @inline(__always) var generation: UnsafeAtomic<UInt64> { cells[2] }
    @inline(__always) func cursor(_ slot: Int) -> UnsafeAtomic<UInt64> { cells[3 + 2 * slot] }
    @inline(__always) func state(_ slot: Int) -> UnsafeAtomic<UInt64> { cells[4 + 2 * slot] }

    @inline(__always) func word(_ offset: Int) -> UnsafeAtomic<UInt64> {
        UnsafeAtomic(at: (buffer + offset).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }

    // MARK: - Producer

    /// Records written so far.
    public var recordsWritten: UInt64 { sequence }

    /// Appends one record (its length a multiple of 8, at most `maxRecordLength`). Waits, with the
    /// producer's strategy, while a lossless subscriber is a full ring behind.
    public func write(_ record: UnsafeRawBufferPointer) {
        let length = record.count
        precondition(length % 8 == 0 && length > 0 && length <= Self.maxRecordLength, "record length must be 8...1024, a multiple of 8")
        let entry = Self.headerSize + length
        var offset = Int(truncatingIfNeeded: position) & mask
        let room = capacity - offset
        if room < entry {
            // Pad to the end of the buffer; the record starts the next lap.
            reserve(UInt64(room))
            if room >= Self.headerSize {
                claimed.store(position &+ UInt64(room), ordering: .relaxed)
                atomicMemoryFence(ordering: .releasing)
                word(offset).store(UInt64(room) | UInt64(Self.kindPadding) << 32, ordering: .relaxed)
            }
            position &+= UInt64(room)
            offset = 0
        }
        reserve(UInt64(entry))
        claimed.store(position &+ UInt64(entry), ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        word(offset).store(UInt64(entry) | UInt64(Self.kindRecord) << 32, ordering: .relaxed)
        word(offset + 8).store(sequence, ordering: .relaxed)
        let source = record.baseAddress!
        var i = 0
        while i < length {
            word(offset + Self.headerSize + i).store(source.loadUnaligned(fromByteOffset: i, as: UInt64.self), ordering: .relaxed)
            i &+= 8
        }
        position &+= UInt64(entry)
        sequence &+= 1
        published.store(position, ordering: .releasing)
        dataParker.wake()
    }

    /// Waits until the lossless subscribers leave room for `bytes` more bytes.
    @inline(__always)
    func reserve(_ bytes: UInt64) {
        let end = position &+ bytes
        let currentGeneration = generation.load(ordering: .acquiring)
        if end <= gate && currentGeneration == gateGeneration { return }
        gateGeneration = currentGeneration
        gate = computeGate()
        if end <= gate { return }
        spaceParker.wait(producerWait) {
            self.gate = self.computeGate()
            return end <= self.gate
        }
    }

    /// The furthest position the producer may write to: the slowest lossless cursor + capacity.
    func computeGate() -> UInt64 {
        var slowest = UInt64.max
        for slot in 0..<Self.maxSubscribers where state(slot).load(ordering: .acquiring) == 2 {
            slowest = min(slowest, cursor(slot).load(ordering: .acquiring))
        }
        return slowest == .max ? .max : slowest &+ UInt64(capacity)
    }

    // MARK: - Subscribers

    /// A new subscriber that starts with the next record written.
    public func subscribe(_ policy: Policy, wait: WaitStrategy = .yield) -> Subscriber {
        let start = published.load(ordering: .acquiring)
        for slot in 0..<Self.maxSubscribers {
            let (taken, _) = state(slot).compareExchange(expected: 0, desired: 3, ordering: .acquiringAndReleasing)
            guard taken else { continue }
            cursor(slot).store(start, ordering: .releasing)
            state(slot).store(policy == .lossless ? 2 : 1, ordering: .releasing)
            generation.wrappingIncrement(ordering: .releasing)
            return Subscriber(ring: self, slot: slot, policy: policy, wait: wait, start: start)
        }
        preconditionFailure("at most \(Self.maxSubscribers) subscribers per ring")
    }

    /// A ring reader. One thread per subscriber.
    public final class Subscriber: @unchecked Sendable {
        public let ring: BroadcastRing
        public let policy: Policy
        let slot: Int
        // Copies of the ring's constants: the ring object's line also holds the producer's state.
        let buffer: UnsafeMutableRawPointer
        let mask: Int
        let capacity: Int
        let wait: WaitStrategy
        @exclusivity(unchecked) var position: UInt64
        /// The record sequence number expected next.
        @exclusivity(unchecked) public private(set) var expected: UInt64
        /// Records this subscriber missed because the producer lapped it (lossy only).
        @exclusivity(unchecked) public private(set) var lost: UInt64 = 0
        @exclusivity(unchecked) public private(set) var received: UInt64 = 0
        /// Where a lossy subscriber copies an entry before checking it was not overwritten.
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: BroadcastRing.maxRecordLength, alignment: 8)
        var closed = false

        init(ring: BroadcastRing, slot: Int, policy: Policy, wait: WaitStrategy, start: UInt64) {
            self.ring = ring
            buffer = ring.buffer
            mask = ring.mask
            capacity = ring.capacity
            self.slot = slot
            self.policy = policy
            self.wait = wait
            position = start
            // Joining an empty ring, the first record is number 0; joining a running ring, losses
            // are counted from the first record read.
            expected = start == 0 ? 0 : .max
        }

        deinit {
            close()
            scratch.deallocate()
        }

        /// Leaves the ring: a lossless subscriber stops holding the producer back.
        public func close() {
            guard !closed else { return }
            closed = true
            ring.state(slot).store(0, ordering: .releasing)
            ring.generation.wrappingIncrement(ordering: .releasing)
            ring.spaceParker.wake()
        }

        /// Delivers every record available now to `body` (zero-copy for lossless subscribers; a
        /// validated copy for lossy ones), at most `limit`. `lost` is the number of records skipped
        /// just before this one (0 almost always). Returns the number delivered.
        @discardableResult
        public func poll(limit: Int = .max, _ body: (UnsafeRawBufferPointer, _ lost: UInt64) -> Void) -> Int {
            policy == .lossless ? pollLossless(limit: limit, body) : pollLossy(limit: limit, body)
        }

        /// Waits (with this subscriber's strategy) until at least one record is available.
        public func waitForData() {
            ring.dataParker.wait(wait) { self.ring.published.load(ordering: .acquiring) != self.position }
        }

        /// Waits until a record is available or `timeoutNs` passes; true when data is there.
        @discardableResult
        public func waitForData(timeoutNs: UInt64) -> Bool {
            var start = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            let deadline = UInt64(start.tv_sec) * 1_000_000_000 + UInt64(start.tv_nsec) + timeoutNs
            ring.dataParker.wait(wait) {
                if self.ring.published.load(ordering: .acquiring) != self.position { return true }
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec) >= deadline
            }
            return ring.published.load(ordering: .acquiring) != position
        }

        /// Whether this subscriber has read up to what the producer published.
        public var isCaughtUp: Bool { ring.published.load(ordering: .acquiring) == position }

        /// Once the producer has stopped after `recordsWritten` records: counts the records a lapped
        /// lossy subscriber skipped at the very end, which no later record's number reveals.
        public func settleLoss(recordsWritten: UInt64) -> UInt64 {
            guard expected != .max, recordsWritten > expected else { return 0 }
            let skipped = recordsWritten &- expected
            lost &+= skipped
            expected = recordsWritten
            return skipped
        }

        @inline(__always)
        func account(_ sequenceNumber: UInt64) -> UInt64 {
            let skipped = expected == .max || sequenceNumber < expected ? 0 : sequenceNumber &- expected
            lost &+= skipped
            expected = sequenceNumber &+ 1
            received &+= 1
            return skipped
        }

        func pollLossless(limit: Int, _ body: (UnsafeRawBufferPointer, UInt64) -> Void) -> Int {
            let available = ring.published.load(ordering: .acquiring)
            var delivered = 0
            while position != available && delivered < limit {
                let offset = Int(truncatingIfNeeded: position) & mask
                let room = capacity - offset
                if room < BroadcastRing.headerSize {
                    position &+= UInt64(room)
                    continue
                }
                let header = buffer.load(fromByteOffset: offset, as: UInt64.self)
                let length = Int(truncatingIfNeeded: header & 0xFFFF_FFFF)
                if UInt32(truncatingIfNeeded: header >> 32) == BroadcastRing.kindPadding {
                    position &+= UInt64(length)
                    continue
                }
                let sequenceNumber = buffer.load(fromByteOffset: offset + 8, as: UInt64.self)
                let skipped = account(sequenceNumber)
                body(UnsafeRawBufferPointer(start: buffer + offset + BroadcastRing.headerSize,
                                            count: length - BroadcastRing.headerSize), skipped)
                position &+= UInt64(length)
                delivered += 1
            }
            if delivered > 0 || position == available {
                ring.cursor(slot).store(position, ordering: .releasing)
                ring.spaceParker.wake()
            }
            return delivered
        }

        func pollLossy(limit: Int, _ body: (UnsafeRawBufferPointer, UInt64) -> Void) -> Int {
            var delivered = 0
            let ringBytes = UInt64(capacity)
            while delivered < limit {
                let available = ring.published.load(ordering: .acquiring)
                if position == available { break }
                if available &- position > ringBytes {
                    position = available  // lapped: resync; the next record's number tells how many were lost
                    continue
                }
                let offset = Int(truncatingIfNeeded: position) & mask
                let room = capacity - offset
                if room < BroadcastRing.headerSize {
                    position &+= UInt64(room)
                    continue
                }
                let header = ring.word(offset).load(ordering: .relaxed)
                let length = Int(truncatingIfNeeded: header & 0xFFFF_FFFF)
                let kind = UInt32(truncatingIfNeeded: header >> 32)
                let sane = length >= BroadcastRing.headerSize && length <= room && length % 8 == 0
                    && length - BroadcastRing.headerSize <= BroadcastRing.maxRecordLength
                let sequenceNumber = ring.word(offset + 8).load(ordering: .relaxed)
                var copied = 0
                if sane && kind == BroadcastRing.kindRecord {
                    while copied < length - BroadcastRing.headerSize {
                        scratch.storeBytes(of: ring.word(offset + BroadcastRing.headerSize + copied).load(ordering: .relaxed),
                                           toByteOffset: copied, as: UInt64.self)
                        copied &+= 8
                    }
                }
                // Was any of it overwritten while we copied? (seqlock check)
                atomicMemoryFence(ordering: .acquiring)
                let claimedNow = ring.claimed.load(ordering: .relaxed)
                if claimedNow &- position > ringBytes || !sane {
                    position = ring.published.load(ordering: .acquiring)
                    continue
                }
                position &+= UInt64(length)
                if kind != BroadcastRing.kindRecord { continue }
                let skipped = account(sequenceNumber)
                body(UnsafeRawBufferPointer(start: scratch, count: copied), skipped)
                delivered += 1
            }
            return delivered
        }
    }
}
