/// Copies of datagrams kept past their receive call: packets held for reordering, and incremental
/// packets queued during a recovery. Buffers are pooled, so after warm-up holding a packet copies
/// bytes but allocates nothing.
public struct StoredPacket {
    public var sequence: UInt64
    public var count: Int
    public var tsRecv: UInt64
    public var line: Int
    public var bytes: [UInt8]
}

public struct PacketStore {
    private var free: [[UInt8]] = []

    public init() {}

    /// A stored copy of `payload`.
    public mutating func store(_ payload: UnsafeRawBufferPointer, sequence: UInt64, count: Int, tsRecv: UInt64,
                               line: Int) -> StoredPacket {
        var buffer = free.popLast() ?? []
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: payload)
        return StoredPacket(sequence: sequence, count: count, tsRecv: tsRecv, line: line, bytes: buffer)
    }

    /// Returns a packet's buffer to the pool.
    public mutating func recycle(_ packet: consuming StoredPacket) {
        if free.count < 4096 { free.append(packet.bytes) }
    }
}
