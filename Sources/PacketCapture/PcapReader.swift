internal import CPcap
import ByteIO
import Glibc

/// Reads UDP datagrams from a pcap (micro- or nanosecond) or pcapng capture through libpcap, with
/// nanosecond timestamps. Frames that hold no usable datagram are counted by reason and skipped;
/// a file that ends inside a packet record ends the capture and is counted as `truncated_record`.
///
/// Zero-copy: each `Datagram.payload` points into libpcap's buffer and is valid until the next
/// call to `next()`.
public final class PcapReader {
    public let path: String
    public let linkType: LinkType
    /// Frames read, usable or not.
    public private(set) var packets = 0
    /// Captured bytes of every frame read.
    public private(set) var capturedBytes = 0
    public private(set) var skipped = SkipCounts()
    /// Capture time of the first and last frame read (usable or not), ns.
    public private(set) var firstTimestampNs: UInt64?
    public private(set) var lastTimestampNs: UInt64?

    private let handle: OpaquePointer

    public init(path: String) throws(CaptureError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw .cannotOpen(path: path, reason: IOError("open", path: path, errno: errno).reason) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO),
                                                                   &errorBuffer) else {
            throw .notACapture(path: path, reason: String(cString: errorBuffer, truncatingNul: true))
        }
        let dlt = pcap_datalink(handle)
        guard let linkType = LinkType(rawValue: dlt) else {
            pcap_close(handle)
            let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "DLT \(dlt)"
            throw .unsupportedLinkType(path: path, name: name)
        }
        self.handle = handle
        self.linkType = linkType
    }

    deinit { pcap_close(handle) }

    /// The next UDP datagram, or nil at the end of the capture.
    public func next() throws(CaptureError) -> Datagram? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                break
            case PCAP_ERROR_BREAK:
                return nil
            default:
                let message = String(cString: pcap_geterr(handle))
                // libpcap: "truncated dump file; tried to read N captured bytes, only got M".
                if message.contains("truncated") {
                    packets += 1
                    skipped.add(.truncatedRecord)
                    return nil
                }
                throw .readFailed(path: path, reason: message, packet: packets + 1)
            }
            guard let header, let data else { continue }
            packets += 1
            let captured = Int(header.pointee.caplen)
            capturedBytes += captured
            // With nanosecond precision libpcap puts nanoseconds in tv_usec. A corrupt record can
            // hold any bits here (even negative seconds): wrap rather than trap, it is only data.
            let ts = UInt64(truncatingIfNeeded: header.pointee.ts.tv_sec) &* 1_000_000_000
                &+ UInt64(truncatingIfNeeded: header.pointee.ts.tv_usec)
            if firstTimestampNs == nil { firstTimestampNs = ts }
            lastTimestampNs = ts
            let frame = UnsafeRawBufferPointer(start: data, count: captured)
            switch FrameDecoder.decode(frame, linkType: linkType, wireLength: Int(header.pointee.len)) {
            case .skipped(let reason):
                skipped.add(reason)
            case .datagram(let source, let destination, let start, let count):
                return Datagram(timestampNs: ts, source: source, destination: destination,
                                payload: UnsafeRawBufferPointer(rebasing: frame[start..<start + count]))
            }
        }
    }
}

/// Why a capture could not be read.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notACapture(path: String, reason: String)
    case unsupportedLinkType(path: String, name: String)
    case readFailed(path: String, reason: String, packet: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .notACapture(let path, let reason): "\(path) is not a pcap or pcapng capture (\(reason))"
        case .unsupportedLinkType(let path, let name):
            "\(path): link type \(name) is not supported (Ethernet, Linux cooked v1/v2 and raw IPv4 are)"
        case .readFailed(let path, let reason, let packet): "\(path): read error at packet \(packet): \(reason)"
        }
    }
}

extension String {
    /// Text of a NUL-terminated C buffer.
    init(cString buffer: [CChar], truncatingNul: Bool) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
