/// SecurityID → dense slot index, by open addressing: the per-entry lookup on the hot path is a
/// multiply, a mask, one 8-byte load and usually one compare (no Dictionary hashing, no
/// allocation).
///
/// | bucket bits | 0–31 | 32–63 |
/// |---|---|---|
/// | field | SecurityID (`Int32.min`: empty) | slot while active, `~slot` (negative) once deleted |
///
/// A deleted instrument keeps its bucket so that a later re-definition reuses its slot; the
/// active bit lives in the bucket so the hot lookup needs no second array.
public struct InstrumentTable: Sendable {
    @usableFromInline struct Bucket: Sendable {
        @usableFromInline var key: Int32
        @usableFromInline var slot: Int32
        @inlinable init(key: Int32, slot: Int32) {
            self.key = key
            self.slot = slot
        }
    }

    @usableFromInline var buckets: [Bucket]
    @usableFromInline var mask: Int
    public private(set) var count = 0
    @usableFromInline static var empty: Int32 { .min }

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = Array(repeating: Bucket(key: Self.empty, slot: -1), count: size)
        mask = size - 1
    }

    @inlinable @inline(__always) func home(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: UInt32(bitPattern: key) &* 0x9E37_79B1) & mask
    }

    /// The bucket of `key`, if known.
    @inlinable @inline(__always) func bucket(of key: Int32) -> Bucket? {
        // The sentinel marks empty buckets; as a key from the wire it would "match" one (fuzzer find).
        if key == Self.empty { return nil }
        var i = home(key)
        while true {
            let b = buckets[i]
            if b.key == key { return b }
            if b.key == Self.empty { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// The slot of `key` while its instrument is active (the hot lookup).
    @inlinable @inline(__always) public func activeSlot(of key: Int32) -> Int? {
        guard let b = bucket(of: key), b.slot >= 0 else { return nil }
        return Int(b.slot)
    }

    /// The slot of `key`, active or deleted.
    public func slot(of key: Int32) -> Int? {
        bucket(of: key).map { Int($0.slot >= 0 ? $0.slot : ~$0.slot) }
    }

    /// Adds `key` with `slot` (or replaces its slot), active.
    public mutating func insert(_ key: Int32, slot: Int) {
        precondition(key != Self.empty, "SecurityID Int32.min is reserved")
        precondition(slot >= 0 && slot <= Int(Int32.max), "slot out of range")
        if (count + 1) * 2 > buckets.count { grow() }
        var i = home(key)
        while buckets[i].key != Self.empty && buckets[i].key != key { i = (i + 1) & mask }
        if buckets[i].key == Self.empty { count += 1 }
        buckets[i] = Bucket(key: key, slot: Int32(slot))
    }

    /// Marks the instrument of a known `key` active (defined) or not (deleted); its slot stays.
    public mutating func setActive(_ key: Int32, _ active: Bool) {
        guard key != Self.empty else { return }
        var i = home(key)
        while buckets[i].key != key {
            if buckets[i].key == Self.empty { return }
            i = (i + 1) & mask
        }
        let slot = buckets[i].slot >= 0 ? buckets[i].slot : ~buckets[i].slot
        buckets[i].slot = active ? slot : ~slot
    }

    private mutating func grow() {
        let old = buckets.filter { $0.key != Self.empty }
        let size = buckets.count * 2
        buckets = Array(repeating: Bucket(key: Self.empty, slot: -1), count: size)
        mask = size - 1
        count = 0
        for b in old {
            insert(b.key, slot: Int(b.slot >= 0 ? b.slot : ~b.slot))
            if b.slot < 0 { setActive(b.key, false) }
        }
    }
}
