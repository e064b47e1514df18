public import FeedEngine

/// Datagrams as a handler's batch `receive` takes them: `arrivals` copied into one buffer and
/// described as `ReceivedDatagram`s, valid during `body`.
public func withReceivedBatch<R>(_ arrivals: [(bytes: [UInt8], line: Int, tsRecv: UInt64)],
                                 _ body: (UnsafeBufferPointer<ReceivedDatagram>) -> R) -> R {
    let storage = UnsafeMutableRawPointer.allocate(byteCount: arrivals.reduce(1) { $0 + $1.bytes.count }, alignment: 8)
    defer { storage.deallocate() }
    var offset = 0
    let batch = arrivals.map { arrival in
        arrival.bytes.withUnsafeBytes { (storage + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        defer { offset += arrival.bytes.count }
        return ReceivedDatagram(bytes: UnsafeRawBufferPointer(start: storage + offset, count: arrival.bytes.count),
                                line: arrival.line, tsRecv: arrival.tsRecv)
    }
    return batch.withUnsafeBufferPointer(body)
}
