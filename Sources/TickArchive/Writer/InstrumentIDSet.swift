/// The distinct instrument ids of one frame: an open-addressing table reset per frame by a
/// generation counter, so the per-record insert neither hashes with SipHash nor allocates.
struct InstrumentIDSet {
    private var keys: [UInt32]
    private var stamps: [UInt32]
    private var generation: UInt32 = 1
    private(set) var members: [UInt32] = []
    private var lastInserted: UInt32?

    init(capacity: Int = 1024) {
        keys = [UInt32](repeating: 0, count: capacity)
        stamps = [UInt32](repeating: 0, count: capacity)
        members.reserveCapacity(capacity / 2)
    }

    @inline(__always) mutating func insert(_ id: UInt32) {
        if id == lastInserted { return }
        lastInserted = id
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (id &* 0x9E37_79B1) >> 16) & mask
        while stamps[slot] == generation {
            if keys[slot] == id { return }
            slot = (slot + 1) & mask
        }
        stamps[slot] = generation
        keys[slot] = id
        members.append(id)
        if members.count * 2 > keys.count { grow() }
    }

    /// Empties the set for the next frame.
    mutating func reset() {
        generation &+= 1
        if generation == 0 {
            stamps = [UInt32](repeating: 0, count: stamps.count)
            generation = 1
        }
        members.removeAll(keepingCapacity: true)
        lastInserted = nil
    }

    private mutating func grow() {
        let old = members
        keys = [UInt32](repeating: 0, count: keys.count * 2)
        stamps = [UInt32](repeating: 0, count: keys.count)
        generation = 1
        members.removeAll(keepingCapacity: true)
        lastInserted = nil
        for id in old { insert(id) }
    }
}
