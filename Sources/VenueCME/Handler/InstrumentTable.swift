/// SecurityID → dense slot index, by open addressing: the per-entry lookup on the hot path is a
/// multiply, a mask and usually one compare (no Dictionary hashing, no allocation).
public struct InstrumentTable: Sendable {
    private var keys: [Int32]
    private var slots: [Int32]
    private var mask: Int
    public private(set) var count = 0
    private static let empty = Int32.min

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: Self.empty, count: size)
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private func home(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: UInt32(bitPattern: key) &* 0x9E37_79B1) & mask
    }

    /// The slot of `key`, if known.
    @inlinable public func slot(of key: Int32) -> Int? { lookup(key) }

    @usableFromInline func lookup(_ key: Int32) -> Int? {
        // The sentinel marks empty buckets; as a key from the wire it would "match" one (fuzzer find).
        if key == Self.empty { return nil }
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return Int(slots[i]) }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// Adds `key` with `slot` (or replaces its slot).
    public mutating func insert(_ key: Int32, slot: Int) {
        precondition(key != Self.empty, "SecurityID Int32.min is reserved")
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(key)
        while keys[i] != Self.empty && keys[i] != key { i = (i + 1) & mask }
        if keys[i] == Self.empty { count += 1 }
        keys[i] = key
        slots[i] = Int32(slot)
    }

    private mutating func grow() {
        let old = zip(keys, slots).filter { $0.0 != Self.empty }
        let size = keys.count * 2
        keys = Array(repeating: Self.empty, count: size)
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        count = 0
        for (k, s) in old { insert(k, slot: Int(s)) }
    }
}
