public import Atomics

/// A single-producer single-consumer ring of fixed-size elements for thread hand-offs.
///
/// Lamport's queue with cached indices: the producer owns `head`, the consumer owns `tail`, each on
/// its own cache line; each side re-reads the other's index only when its cached copy says the
/// ring is full (producer) or empty (consumer). Release stores publish, acquire loads observe.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let slots: UnsafeMutablePointer<Element>
    /// 0 head (next slot to write), 1 tail (next slot to read), each on its own cache line.
    @usableFromInline let cells = AtomicCells(count: 2)
    /// Each side's private indices, on separate cache lines: [0] head, [1] cached tail (producer);
    /// [16] tail, [17] cached head (consumer).
    @usableFromInline let local: UnsafeMutablePointer<Int>
    @usableFromInline let parker = Parker()

    @inlinable var head: Int { get { local[0] } set { local[0] = newValue } }
    @inlinable var cachedTail: Int { get { local[1] } set { local[1] = newValue } }
    @inlinable var tail: Int { get { local[16] } set { local[16] = newValue } }
    @inlinable var cachedHead: Int { get { local[17] } set { local[17] = newValue } }

    public init(capacity: Int) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0, "SPSC capacity must be a power of two")
        self.capacity = capacity
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 32 * MemoryLayout<Int>.stride, alignment: 128)
        local = raw.bindMemory(to: Int.self, capacity: 32)
        local.initialize(repeating: 0, count: 32)
    }

    deinit {
        cells.deallocate()
        slots.deallocate()
        local.deallocate()
    }

    /// Producer: appends `element`; false when the ring is full.
    @inlinable @discardableResult
    public func push(_ element: Element) -> Bool {
        if head &- cachedTail == capacity {
            cachedTail = Int(truncatingIfNeeded: cells[1].load(ordering: .acquiring))
            if head &- cachedTail == capacity { return false }
        }
        (slots + (head & mask)).initialize(to: element)
        head &+= 1
        cells[0].store(UInt64(truncatingIfNeeded: head), ordering: .releasing)
        return true
    }

    /// Producer: writes `element` without publishing it; `publish()` makes every staged element
    /// visible with one release store. The batch form of `push`, for throughput: the consumer sees
    /// the batch only when it is published. False when the ring is full.
    @inlinable @discardableResult
    public func stage(_ element: Element) -> Bool {
        if head &- cachedTail == capacity {
            cachedTail = Int(truncatingIfNeeded: cells[1].load(ordering: .acquiring))
            if head &- cachedTail == capacity { return false }
        }
        (slots + (head & mask)).initialize(to: element)
        head &+= 1
        return true
    }

    /// Producer: publishes every staged element.
    @inlinable
    public func publish() {
        cells[0].store(UInt64(truncatingIfNeeded: head), ordering: .releasing)
    }

    /// Producer: appends, waiting with `strategy` while the ring is full.
    public func push(_ element: Element, waiting strategy: WaitStrategy) {
        if push(element) { parker.wake(); return }
        parker.wait(strategy) { self.push(element) }
        parker.wake()
    }

    /// Consumer: the oldest element, or nil when the ring is empty.
    @inlinable
    public func pop() -> Element? {
        if tail == cachedHead {
            cachedHead = Int(truncatingIfNeeded: cells[0].load(ordering: .acquiring))
            if tail == cachedHead { return nil }
        }
        let element = (slots + (tail & mask)).pointee
        tail &+= 1
        cells[1].store(UInt64(truncatingIfNeeded: tail), ordering: .releasing)
        return element
    }

    /// Consumer: hands every available element to `body` (at most `limit`), then publishes the new
    /// tail once: the batch form, one release store per batch.
    @inlinable @discardableResult
    public func drain(limit: Int = .max, _ body: (Element) -> Void) -> Int {
        cachedHead = Int(truncatingIfNeeded: cells[0].load(ordering: .acquiring))
        let count = min(cachedHead &- tail, limit)
        guard count > 0 else { return 0 }
        for i in 0..<count { body((slots + ((tail &+ i) & mask)).pointee) }
        tail &+= count
        cells[1].store(UInt64(truncatingIfNeeded: tail), ordering: .releasing)
        parker.wake()
        return count
    }

    /// Consumer: waits with `strategy` until an element is available.
    public func waitForData(_ strategy: WaitStrategy) {
        parker.wait(strategy) { Int(truncatingIfNeeded: self.cells[0].load(ordering: .acquiring)) != self.tail }
    }
}
