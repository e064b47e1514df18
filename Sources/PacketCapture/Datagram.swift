/// One UDP datagram taken from a capture or a socket. `payload` points into the reader's buffer and
/// is valid only until the reader moves on: copy what you keep.
public struct Datagram {
    /// Capture (or kernel receive) time, ns since the Unix epoch.
    public var timestampNs: UInt64
    public var source: Endpoint
    public var destination: Endpoint
    public var payload: UnsafeRawBufferPointer

    @inlinable
    public init(timestampNs: UInt64, source: Endpoint, destination: Endpoint, payload: UnsafeRawBufferPointer) {
        self.timestampNs = timestampNs
        self.source = source
        self.destination = destination
        self.payload = payload
    }
}

/// Why a captured frame yielded no datagram.
public enum SkipReason: String, CaseIterable, Sendable, Codable {
    /// The frame was cut (snap length) before the end of its IPv4/UDP headers or payload.
    case truncated
    /// The capture file ends inside a packet record (a writer that died).
    case truncatedRecord = "truncated_record"
    /// Not IPv4 (ARP, IPv6, LLDP, ...).
    case notIP = "not_ip"
    /// IPv4 but not UDP (TCP, IGMP, ICMP, ...).
    case notUDP = "not_udp"
    /// An IPv4 fragment: reassembly is not done, exchange feeds never fragment.
    case fragment
    /// An IPv4 header with a bad version, header length or total length.
    case badIPHeader = "bad_ip_header"
    /// A UDP length shorter than its header or longer than the IP payload.
    case badUDPHeader = "bad_udp_header"
}

/// Per-reason skip counters.
public struct SkipCounts: Sendable, Equatable {
    public private(set) var byReason: [SkipReason: Int] = [:]
    public init() {}

    public subscript(reason: SkipReason) -> Int { byReason[reason, default: 0] }
    public mutating func add(_ reason: SkipReason) { byReason[reason, default: 0] += 1 }
    public var total: Int { byReason.values.reduce(0, +) }
}
