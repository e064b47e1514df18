/// Per-instrument state addressed by slot, updated in place. Addressors hand out the element's
/// address, so `store[slot].book.bids.insert(...)` neither copies the element nor checks
/// copy-on-write uniqueness (an Array element inside a class may be copied out and back). Owned
/// by one handler, driven by one thread.
public final class SlotArray<Element> {
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<Element>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) public private(set) var count = 0

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    public var indices: Range<Int> { 0..<count }

    @inlinable public subscript(i: Int) -> Element {
        unsafeAddress {
            precondition(i >= 0 && i < count, "slot out of range")
            return UnsafePointer(base + i)
        }
        unsafeMutableAddress {
            precondition(i >= 0 && i < count, "slot out of range")
            return base + i
        }
    }

    /// The element's address, for reads that must not copy it: calling a method on
    /// `store[slot].book` may copy the whole book first; `store.pointer(slot).pointee.book` does not.
    /// Valid until the next `append`.
    @inlinable public func pointer(_ i: Int) -> UnsafeMutablePointer<Element> {
        precondition(i >= 0 && i < count, "slot out of range")
        return base + i
    }

    public func append(_ element: Element) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }
}
