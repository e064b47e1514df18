internal import CNetShim
public import PacketCapture
import Glibc

/// A TCP listening socket (the simulator's MDQP server). Port 0 picks a free port; `port` says which.
public final class TCPListener: Sendable {
    public let descriptor: Int32
    public let endpoint: Endpoint

    public init(_ requested: Endpoint, backlog: Int32 = 8) throws(SocketError) {
        var step: UnsafePointer<CChar>?
        var bound: UInt16 = 0
        let fd = cf_tcp_listen(requested.address.value, requested.port, backlog, &bound, &step)
        guard fd >= 0 else {
            throw SocketError(action: "cannot listen on \(requested)", step: step.map { String(cString: $0) } ?? "socket", errno: -fd)
        }
        descriptor = fd
        endpoint = Endpoint(requested.address, bound)
    }

    deinit { close(descriptor) }

    /// The next connection's descriptor (hand it to `TCPConnection(descriptor:)` on the thread that
    /// serves it), or nil when none came within `timeoutMs`.
    public func accept(timeoutMs: Int32) throws(SocketError) -> Int32? {
        let fd = cf_tcp_accept(descriptor, timeoutMs)
        if fd == -ETIMEDOUT || fd == -EINTR { return nil }
        guard fd >= 0 else { throw SocketError(action: "cannot accept on \(endpoint)", step: "accept", errno: -fd) }
        return fd
    }
}

/// One blocking TCP connection used by a single thread; every call has a timeout, so no caller can
/// hang on a silent peer.
public final class TCPConnection {
    public private(set) var descriptor: Int32
    public let peer: String

    /// Takes ownership of an accepted descriptor.
    public init(descriptor: Int32, peer: String = "client") {
        self.descriptor = descriptor
        self.peer = peer
    }

    public static func connect(to endpoint: Endpoint, timeoutMs: Int32) throws(SocketError) -> TCPConnection {
        var step: UnsafePointer<CChar>?
        let fd = cf_tcp_connect(endpoint.address.value, endpoint.port, timeoutMs, &step)
        guard fd >= 0 else {
            throw SocketError(action: "cannot connect to \(endpoint)", step: step.map { String(cString: $0) } ?? "connect", errno: -fd)
        }
        return TCPConnection(descriptor: fd, peer: endpoint.description)
    }

    deinit { close() }

    public var isOpen: Bool { descriptor >= 0 }

    public func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// Sends every byte within `timeoutMs`.
    public func send(_ bytes: [UInt8], timeoutMs: Int32) throws(SocketError) {
        guard descriptor >= 0 else { throw SocketError(action: "cannot send to \(peer)", step: "send", errno: EBADF) }
        let r = bytes.withUnsafeBufferPointer { cf_tcp_send_all(descriptor, $0.baseAddress, $0.count, timeoutMs) }
        guard r == 0 else { throw SocketError(action: "cannot send to \(peer)", step: "send", errno: -r) }
    }

    /// Appends what arrives within `timeoutMs` to `buffer`: the byte count, 0 when the peer closed
    /// the connection, nil when nothing came in time.
    public func receive(into buffer: inout [UInt8], timeoutMs: Int32) throws(SocketError) -> Int? {
        guard descriptor >= 0 else { throw SocketError(action: "cannot receive from \(peer)", step: "recv", errno: EBADF) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBufferPointer { cf_tcp_receive(descriptor, $0.baseAddress, $0.count, timeoutMs) }
        if n == -Int(ETIMEDOUT) { return nil }
        guard n >= 0 else { throw SocketError(action: "cannot receive from \(peer)", step: "recv", errno: Int32(-n)) }
        buffer.append(contentsOf: chunk[0..<n])
        return n
    }
}
