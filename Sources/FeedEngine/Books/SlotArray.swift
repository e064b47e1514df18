/// Per-instrument state addressed by slot, updated in place. Addressors hand out the element's
/// address, so `store[slot].book.bids.insert(...)` neither copies the element nor checks
/// copy-on-write uniqueness (an Array element inside a class may be copied out and back). Owned
/// by one handler, driven by one thread.
public final class SlotArray<Element> {
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<Element>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var _count = 0
    @inlinable public var count: Int { _count }

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: _count)
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
        return pointer(unchecked: i)
    }

    /// The same for an index the caller's own bookkeeping proves in range (a slot handed out by
    /// the owner's instrument table at `append`, never removed): checked in debug builds only. The
    /// per-entry path of a handler uses it (its release check cost 3 instructions per book entry).
    @inlinable @inline(__always) public func pointer(unchecked i: Int) -> UnsafeMutablePointer<Element> {
        assert(i >= 0 && i < count, "slot out of range")
        return base + i
    }

    /// Forgets every element, keeping the storage (a scratch list reused per packet).
    @inlinable public func removeAll() {
        base.deinitialize(count: _count)
        _count = 0
    }

    @inlinable public func append(_ element: Element) {
        if _count == capacity { grow() }
        (base + _count).initialize(to: element)
        _count += 1
    }

    @usableFromInline func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: _count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
