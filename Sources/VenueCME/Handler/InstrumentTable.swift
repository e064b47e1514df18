/// SecurityID → dense slot index, by open addressing: the per-entry lookup on the hot path is a
/// multiply, a mask, one 8-byte load and usually one compare (no Dictionary hashing, no
/// allocation). It is also the one record of which instruments are active (defined, not deleted).
///
/// | bucket bits | 0–31 | 32–63 |
/// |---|---|---|
/// | field | SecurityID (`Int32.min`: empty) | slot while active, `~slot` (negative) once deleted |
///
/// A deleted instrument keeps its bucket so that a later re-definition reuses its slot; the
/// active bit lives in the bucket so the hot lookup needs no second array.
public struct InstrumentTable: Sendable {
    private struct Bucket: Sendable {
        var key: Int32
        var slot: Int32
        /// The slot, active or deleted.
        var anySlot: Int32 { slot >= 0 ? slot : ~slot }
    }

    private var buckets: [Bucket]
    private var mask: Int
    public private(set) var count = 0
    private static let empty = Int32.min

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = Array(repeating: Bucket(key: Self.empty, slot: -1), count: size)
        mask = size - 1
    }

    /// The bucket holding `key`, or the empty one where it would go (with its index). For the
    /// sentinel it is an empty bucket: callers other than `activeSlot` must not ask for it, since
    /// as a key from the wire it would "match" that bucket (fuzzer find).
    ///
    /// The buckets are read through their buffer, unchecked: every index is masked by `mask`, the
    /// table's size less one.
    @inline(__always) private func find(_ key: Int32) -> (index: Int, bucket: Bucket) {
        buckets.withUnsafeBufferPointer { buckets in
            var i = Int(truncatingIfNeeded: UInt32(bitPattern: key) &* 0x9E37_79B1) & mask
            while true {
                let b = buckets[i]
                if b.key == key || b.key == Self.empty { return (i, b) }
                i = (i &+ 1) & mask
            }
        }
    }

    /// The slot of `key` while its instrument is active (the hot lookup). The sentinel needs no
    /// test of its own here: as a key it finds an empty bucket, whose slot (-1) is not active.
    @inline(__always) public func activeSlot(of key: Int32) -> Int? {
        let b = find(key).bucket
        return b.key == key && b.slot >= 0 ? Int(b.slot) : nil
    }

    /// The slot of `key`, active or deleted.
    public func slot(of key: Int32) -> Int? {
        guard key != Self.empty else { return nil }
        let b = find(key).bucket
        return b.key == key ? Int(b.anySlot) : nil
    }

    /// Adds `key` with `slot` (or replaces its slot), active.
    public mutating func insert(_ key: Int32, slot: Int) {
        precondition(key != Self.empty, "SecurityID Int32.min is reserved")
        precondition(slot >= 0 && slot <= Int(Int32.max), "slot out of range")
        if (count + 1) * 2 > buckets.count { grow() }
        let (i, b) = find(key)
        if b.key == Self.empty { count += 1 }
        buckets[i] = Bucket(key: key, slot: Int32(slot))
    }

    /// Marks the instrument of a known `key` active (defined) or not (deleted); its slot stays.
    public mutating func setActive(_ key: Int32, _ active: Bool) {
        guard key != Self.empty else { return }
        let (i, b) = find(key)
        guard b.key == key else { return }
        buckets[i].slot = active ? b.anySlot : ~b.anySlot
    }

    private mutating func grow() {
        let old = buckets.filter { $0.key != Self.empty }
        buckets = Array(repeating: Bucket(key: Self.empty, slot: -1), count: buckets.count * 2)
        mask = buckets.count - 1
        for b in old { buckets[find(b.key).index] = b }  // as they were, deleted ones included
    }
}
