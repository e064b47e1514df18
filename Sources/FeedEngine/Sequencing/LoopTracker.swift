/// De-duplicates a looping feed (CME snapshot and definition loops, ICE's snapshot channel) whose
/// sequence numbers restart every cycle, so the incremental duplicate rule cannot apply (DESIGN.md).
///
/// Within a cycle the first copy of each number wins, from either line. A cycle ends when the
/// numbering drops back to 1 (or drops by more than `restartDrop`, when the 1 itself was lost on
/// both lines). A closed cycle is *complete* when it started at 1 and no number in it is missing,
/// which is what a handler needs before it may conclude "this instrument was not in the loop".
public struct LoopTracker: Sendable {
    public struct ClosedCycle: Sendable, Equatable {
        public var complete: Bool
        public var packets: Int
        public var highest: UInt32
    }

    public enum Outcome: Sendable, Equatable {
        case duplicate
        /// A new packet; `closed` is the cycle it ended, when it started a new one.
        case accepted(closed: ClosedCycle?)
    }

    public private(set) var cycles = 0
    private var seen: Set<UInt32> = []
    private var highest: UInt32 = 0
    private var startedAtOne = false
    private let restartDrop: UInt32

    public init(restartDrop: UInt32 = 64) { self.restartDrop = restartDrop }

    public mutating func accept(_ sequence: UInt32) -> Outcome {
        if seen.contains(sequence) { return .duplicate }
        var closed: ClosedCycle?
        let restarted = !seen.isEmpty && (sequence == 1 || (highest > sequence && highest - sequence > restartDrop))
        if restarted {
            closed = ClosedCycle(complete: startedAtOne && seen.count == Int(highest), packets: seen.count, highest: highest)
            cycles += 1
            seen.removeAll(keepingCapacity: true)
            highest = 0
        }
        if seen.isEmpty { startedAtOne = sequence == 1 }
        seen.insert(sequence)
        highest = max(highest, sequence)
        return .accepted(closed: closed)
    }

    /// Forgets the current cycle (a handler leaving and later re-joining the feed).
    public mutating func reset() {
        seen.removeAll()
        highest = 0
        startedAtOne = false
    }
}
