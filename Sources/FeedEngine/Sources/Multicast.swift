internal import CNetShim
public import PacketCapture
import Glibc

/// A socket call that failed, phrased for a person: "cannot join 239.31.1.10:31410 on 127.0.0.1:
/// IP_ADD_MEMBERSHIP: No such device".
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let action: String
    public let step: String
    public let errno: Int32
    public var description: String { "\(action): \(step): \(String(cString: strerror(errno)))" }
}

/// Receives the datagrams of several multicast groups: one non-blocking socket per group:port,
/// joined on a given interface (source-specific when a source is given), with a large receive
/// buffer, kernel receive timestamps (SO_TIMESTAMPNS, used as ts_recv) and the kernel's drop
/// counter (SO_RXQ_OVFL) per socket; read in `recvmmsg` batches.
public final class MulticastReceiver {
    public struct Join: Sendable, Equatable {
        public var group: Endpoint
        public var interface: IPv4Address
        public var source: IPv4Address?
        /// The feed line this group carries (0 = A, 1 = B), given to its datagrams' `line`.
        public var line: Int
        public init(group: Endpoint, interface: IPv4Address, source: IPv4Address? = nil, line: Int = 0) {
            self.group = group
            self.interface = interface
            self.source = source
            self.line = line
        }
    }

    /// One `recvmmsg` batch of one socket, valid only during `poll`'s call.
    public struct Batch {
        /// The socket's index in `streams`.
        public let stream: Int
        /// Its datagrams in arrival order, with the stream's `line` and their kernel timestamps.
        public let datagrams: UnsafeBufferPointer<ReceivedDatagram>
        let senders: UnsafePointer<Endpoint>
        let group: Endpoint

        /// Datagram `i` with its addresses (for a recorder).
        public func datagram(_ i: Int) -> Datagram {
            Datagram(timestampNs: datagrams[i].tsRecv, source: senders[i], destination: group, payload: datagrams[i].bytes)
        }
    }

    public struct Stream: Sendable {
        public let join: Join
        public let descriptor: Int32
        /// What the kernel granted for SO_RCVBUF (it may give less than asked: see net.core.rmem_max).
        public let grantedBufferBytes: Int
        public internal(set) var datagrams = 0
        /// Datagrams the kernel dropped on this socket (its queue was full).
        public internal(set) var kernelDrops: UInt64 = 0
        public internal(set) var truncated = 0
    }

    public private(set) var streams: [Stream] = []
    public let requestedBufferBytes: Int
    static let batch = 64
    static let slotSize = 9216
    private let buffer: UnsafeMutablePointer<UInt8>
    private let info: UnsafeMutablePointer<cf_datagram_info>
    private let received: UnsafeMutablePointer<ReceivedDatagram>
    private let senders: UnsafeMutablePointer<Endpoint>
    private var descriptors: [Int32] = []
    /// Per socket, whether this poll has drained it (kept to be reused: no allocation per poll).
    private var drained: [Bool] = []

    public init(_ joins: [Join], receiveBufferBytes: Int = 16 << 20) throws(SocketError) {
        requestedBufferBytes = receiveBufferBytes
        buffer = .allocate(capacity: Self.batch * Self.slotSize)
        info = .allocate(capacity: Self.batch)
        received = .allocate(capacity: Self.batch)
        senders = .allocate(capacity: Self.batch)
        for join in joins {
            var granted: Int32 = 0
            var step: UnsafePointer<CChar>?
            let fd = cf_open_multicast_receiver(join.group.address.value, join.group.port, join.interface.value,
                                                join.source?.value ?? 0, Int32(clamping: receiveBufferBytes), &granted, &step)
            guard fd >= 0 else {
                // Every stored property is set, so deinit runs and closes what was opened.
                throw SocketError(action: "cannot join \(join.group) on \(join.interface)",
                                  step: step.map { String(cString: $0) } ?? "socket", errno: -fd)
            }
            streams.append(Stream(join: join, descriptor: fd, grantedBufferBytes: Int(granted)))
            descriptors.append(fd)
            drained.append(false)
        }
    }

    deinit {
        for s in streams { close(s.descriptor) }
        buffer.deallocate()
        info.deallocate()
        received.deallocate()
        senders.deallocate()
    }

    /// Streams whose granted buffer is smaller than requested (the CLI reports them).
    public var shortBuffers: [Stream] { streams.filter { $0.grantedBufferBytes < requestedBufferBytes } }

    /// Waits up to `timeoutMs` for data, then hands every datagram available on every socket to
    /// `body(streamIndex, datagram)`. The datagram's payload is valid only during the call.
    /// Returns the number of datagrams delivered.
    @discardableResult
    public func poll(timeoutMs: Int32, _ body: (Int, Datagram) -> Void) -> Int {
        poll(timeoutMs: timeoutMs) { (batch: Batch) in
            for i in batch.datagrams.indices { body(batch.stream, batch.datagram(i)) }
        }
    }

    /// Waits up to `timeoutMs` for data, then reads the sockets in `recvmmsg` batches (up to 64
    /// datagrams each), in turn, until all are drained, and hands each batch to `body`, which a
    /// handler takes whole (see `ReceivedDatagram`). Returns the number of datagrams delivered.
    @discardableResult
    public func poll(timeoutMs: Int32, _ body: (Batch) -> Void) -> Int {
        var delivered = 0
        let ready = descriptors.withUnsafeBufferPointer { cf_wait_readable($0.baseAddress, Int32($0.count), timeoutMs) }
        guard ready > 0 else { return 0 }
        // Round robin, one batch per socket per round, until every socket is drained: a socket
        // drained whole before the next is read would hand the handler its datagrams far ahead of
        // the others' (under load, a snapshot channel read after both live lines' backlogs is a
        // snapshot older than the live packets around it, which recovery cannot use).
        for index in streams.indices { drained[index] = false }
        var pending = streams.count
        while pending > 0 {
            for index in streams.indices where !drained[index] {
                let n = receiveBatch(stream: index)
                if n > 0 {
                    body(Batch(stream: index, datagrams: UnsafeBufferPointer(start: received, count: n), senders: senders,
                               group: streams[index].join.group))
                    delivered += n
                }
                if n < Self.batch {
                    drained[index] = true
                    pending -= 1
                }
            }
        }
        return delivered
    }
}

extension MulticastReceiver {
    /// Reads one `recvmmsg` batch of socket `index` into `received` and `senders`; returns its size
    /// (0 when the socket has nothing).
    private func receiveBatch(stream index: Int) -> Int {
        let n = Int(cf_receive_batch(streams[index].descriptor, buffer, Self.slotSize, Int32(Self.batch), info))
        guard n > 0 else { return 0 }
        let line = streams[index].join.line
        var now: UInt64?  // no kernel timestamp: fall back to the clock now (read once per batch)
        for i in 0..<n {
            let d = info[i]
            streams[index].kernelDrops = UInt64(d.drops)
            if d.truncated != 0 { streams[index].truncated += 1 }
            var ts = d.ts_ns
            if ts == 0 {
                if now == nil {
                    var clock = timespec()
                    clock_gettime(CLOCK_REALTIME, &clock)
                    now = UInt64(clock.tv_sec) * 1_000_000_000 + UInt64(clock.tv_nsec)
                }
                ts = now!
            }
            received[i] = ReceivedDatagram(bytes: UnsafeRawBufferPointer(start: buffer + i * Self.slotSize, count: Int(d.length)),
                                           line: line, tsRecv: ts)
            senders[i] = Endpoint(IPv4Address(d.src_addr), d.src_port)
        }
        streams[index].datagrams += n
        return n
    }
}

/// Sends datagrams to multicast groups out of one interface (loopback in tests: IP_MULTICAST_IF
/// 127.0.0.1 with IP_MULTICAST_LOOP on), TTL 1 so nothing leaves the host's link.
public final class MulticastSender {
    private let descriptor: Int32
    public let interface: IPv4Address
    public private(set) var sent = 0

    public init(interface: IPv4Address) throws(SocketError) {
        var step: UnsafePointer<CChar>?
        let fd = cf_open_multicast_sender(interface.value, &step)
        guard fd >= 0 else {
            throw SocketError(action: "cannot send multicast on \(interface)", step: step.map { String(cString: $0) } ?? "socket",
                              errno: -fd)
        }
        descriptor = fd
        self.interface = interface
    }

    deinit { close(descriptor) }

    public func send(_ payload: UnsafeRawBufferPointer, to destination: Endpoint) throws(SocketError) {
        let n = cf_send(descriptor, destination.address.value, destination.port,
                        payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count)
        guard n >= 0 else { throw SocketError(action: "cannot send to \(destination)", step: "sendto", errno: -n) }
        sent += 1
    }
}
