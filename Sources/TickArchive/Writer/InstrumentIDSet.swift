/// The distinct instrument ids of one frame: an open-addressing table reset per frame by a
/// generation counter, so the per-record insert neither hashes with SipHash, nor allocates, nor
/// pays for copy-on-write checks (the writer's hot path).
final class InstrumentIDSet {
    private var keys: UnsafeMutablePointer<UInt32>
    private var stamps: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private var generation: UInt32 = 1
    private(set) var members: [UInt32] = []
    private var lastInserted: UInt32 = 0
    private var hasLast = false

    init(capacity: Int = 1024) {
        self.capacity = capacity
        keys = .allocate(capacity: capacity)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0, count: capacity)
        members.reserveCapacity(capacity / 2)
    }

    deinit {
        keys.deallocate()
        stamps.deallocate()
    }

    @inline(__always) func insert(_ id: UInt32) {
        if hasLast && id == lastInserted { return }
        lastInserted = id
        hasLast = true
        let mask = capacity - 1
        var slot = Int(truncatingIfNeeded: (id &* 0x9E37_79B1) >> 16) & mask
        while stamps[slot] == generation {
            if keys[slot] == id { return }
            slot = (slot + 1) & mask
        }
        stamps[slot] = generation
        keys[slot] = id
        members.append(id)
        if members.count * 2 > capacity { grow() }
    }

    /// Empties the set for the next frame.
    func reset() {
        generation &+= 1
        if generation == 0 {
            stamps.update(repeating: 0, count: capacity)
            generation = 1
        }
        members.removeAll(keepingCapacity: true)
        hasLast = false
    }

    private func grow() {
        let old = members
        keys.deallocate()
        stamps.deallocate()
        capacity *= 2
        keys = .allocate(capacity: capacity)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0, count: capacity)
        generation = 1
        members.removeAll(keepingCapacity: true)
        hasLast = false
        for id in old { insert(id) }
    }
}
