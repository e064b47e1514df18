/// One datagram of a batch handed to a handler: its bytes, the line it came on (0 = A, 1 = B) and
/// its ts_recv. A batch is an `UnsafeBufferPointer` of these, valid only during the call: a
/// `recvmmsg` batch of one socket (`MulticastReceiver.poll`), or any run of one feed's datagrams in
/// arrival order (the benchmarks' tapes).
///
/// Why batches: a handler's per-datagram work is a few hundred instructions, and calling it once
/// per datagram adds a function's frame and the reload of its hoisted state to each (about 30
/// instructions per processed CME packet, 4.6 % of the benchmark's). Its batch loop pays them once
/// per batch.
public struct ReceivedDatagram {
    public var bytes: UnsafeRawBufferPointer
    public var line: Int
    public var tsRecv: UInt64

    @inlinable
    public init(bytes: UnsafeRawBufferPointer, line: Int, tsRecv: UInt64) {
        self.bytes = bytes
        self.line = line
        self.tsRecv = tsRecv
    }
}
