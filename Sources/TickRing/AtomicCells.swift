public import Atomics

/// Atomic 64-bit cells in raw memory, each on its own 128-byte block so that the producer's and
/// the subscribers' counters never share a cache line (adjacent-line prefetch included).
@usableFromInline struct AtomicCells: @unchecked Sendable {
    @usableFromInline static let stride = 128
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let count: Int

    init(count: Int, initial: UInt64 = 0) {
        self.count = count
        base = .allocate(byteCount: count * Self.stride, alignment: 128)
        for i in 0..<count {
            (base + i * Self.stride).bindMemory(to: UInt64.AtomicRepresentation.self, capacity: 1)
                .initialize(to: .init(initial))
        }
    }

    func deallocate() { base.deallocate() }

    @inlinable subscript(i: Int) -> UnsafeAtomic<UInt64> {
        UnsafeAtomic(at: (base + i * Self.stride).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }
}
