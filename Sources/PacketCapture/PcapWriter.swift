import ByteIO

/// Writes a classic pcap file (nanosecond timestamps by default).
///
/// `writeUDP` frames a datagram as Ethernet II / IPv4 / UDP with correct IPv4 header and UDP
/// checksums, so Wireshark and tshark show the captures clean. `writeFrame` writes any bytes as a
/// frame of the file's link type (tests use it to make VLAN, cooked and malformed frames).
///
/// File header (24 bytes, little-endian): magic (0xA1B23C4D ns / 0xA1B2C3D4 µs), version 2.4,
/// thiszone 0, sigfigs 0, snaplen, linktype. Record header (16 bytes): ts_sec, ts_frac, caplen, len.
public final class PcapWriter {
    public enum Precision: Sendable { case nano, micro }

    public let path: String
    public let linkType: LinkType
    public let precision: Precision
    private let sink: FileSink
    private var frame = [UInt8](repeating: 0, count: 65_600)
    private var ipIdentification: UInt16 = 0
    public private(set) var packetsWritten = 0

    public init(path: String, linkType: LinkType = .ethernet, precision: Precision = .nano,
                snapLength: UInt32 = 262_144) throws {
        self.path = path
        self.linkType = linkType
        self.precision = precision
        sink = try FileSink(path: path)
        var header = [UInt8]()
        header.appendLE(precision == .nano ? UInt32(0xA1B2_3C4D) : UInt32(0xA1B2_C3D4))
        header.appendLE(UInt16(2))
        header.appendLE(UInt16(4))
        header.appendLE(UInt32(0))
        header.appendLE(UInt32(0))
        header.appendLE(snapLength)
        header.appendLE(linkType.fileValue)
        try header.withUnsafeBytes { try sink.write($0) }
    }

    /// Writes `bytes` as one frame captured at `timestampNs`. `originalLength` larger than the
    /// bytes records a frame cut by the snap length.
    public func writeFrame(timestampNs: UInt64, _ bytes: UnsafeRawBufferPointer, originalLength: Int? = nil) throws {
        var record = [UInt8]()
        record.reserveCapacity(16)
        record.appendLE(UInt32(truncatingIfNeeded: timestampNs / 1_000_000_000))
        let fraction = timestampNs % 1_000_000_000
        record.appendLE(UInt32(precision == .nano ? fraction : fraction / 1000))
        record.appendLE(UInt32(bytes.count))
        record.appendLE(UInt32(originalLength ?? bytes.count))
        try record.withUnsafeBytes { try sink.write($0) }
        try sink.write(bytes)
        packetsWritten += 1
    }

    public func writeFrame(timestampNs: UInt64, _ bytes: [UInt8], originalLength: Int? = nil) throws {
        try bytes.withUnsafeBytes { try writeFrame(timestampNs: timestampNs, $0, originalLength: originalLength) }
    }

    /// Writes a UDP datagram framed as Ethernet/IPv4/UDP (the file must be Ethernet).
    public func writeUDP(timestampNs: UInt64, source: Endpoint, destination: Endpoint,
                         payload: UnsafeRawBufferPointer) throws {
        precondition(linkType == .ethernet, "writeUDP frames Ethernet; this file is \(linkType)")
        ipIdentification &+= 1
        let length = try frame.withUnsafeMutableBytes { buffer in
            try UDPFrameBuilder.build(into: buffer, source: source, destination: destination, payload: payload,
                                      identification: ipIdentification)
        }
        try frame.withUnsafeBytes { try writeFrame(timestampNs: timestampNs, UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
    }

    public func writeUDP(timestampNs: UInt64, source: Endpoint, destination: Endpoint, payload: [UInt8]) throws {
        try payload.withUnsafeBytes { try writeUDP(timestampNs: timestampNs, source: source, destination: destination, payload: $0) }
    }

    public func flush() throws { try sink.flush() }
    public func close() throws { try sink.close() }
}

/// Builds Ethernet II / IPv4 / UDP frames with valid checksums.
public enum UDPFrameBuilder {
    public static let headerBytes = 14 + 20 + 8
    /// The largest UDP payload one IPv4 datagram carries.
    public static let maxPayload = 65_535 - 20 - 8

    public struct PayloadTooLarge: Error, CustomStringConvertible {
        public let size: Int
        public var description: String { "a \(size)-byte UDP payload exceeds the IPv4 maximum of \(maxPayload)" }
    }

    /// Writes the frame into `buffer` and returns its length.
    public static func build(into buffer: UnsafeMutableRawBufferPointer, source: Endpoint, destination: Endpoint,
                             payload: UnsafeRawBufferPointer, identification: UInt16 = 0, ttl: UInt8 = 32) throws -> Int {
        guard payload.count <= maxPayload else { throw PayloadTooLarge(size: payload.count) }
        let total = headerBytes + payload.count
        precondition(buffer.count >= total, "frame buffer too small")
        // Ethernet: multicast groups map to 01:00:5e + the group's low 23 bits; other addresses get a
        // locally administered MAC derived from the IPv4 address.
        func mac(for address: IPv4Address) -> [UInt8] {
            let o = address.octets
            return address.isMulticast ? [0x01, 0x00, 0x5E, o.1 & 0x7F, o.2, o.3] : [0x02, 0x00, o.0, o.1, o.2, o.3]
        }
        var header = [UInt8]()
        header.reserveCapacity(headerBytes)
        header += mac(for: destination.address)
        header += mac(for: source.address)
        header.appendBE(UInt16(0x0800))
        // IPv4, 20 bytes, no options, don't-fragment clear, protocol UDP.
        let ipStart = header.count
        header.append(0x45)
        header.append(0)
        header.appendBE(UInt16(20 + 8 + payload.count))
        header.appendBE(identification)
        header.appendBE(UInt16(0))
        header.append(ttl)
        header.append(17)
        header.appendBE(UInt16(0))  // checksum, filled below
        header.appendBE(source.address.value)
        header.appendBE(destination.address.value)
        let ipChecksum = InternetChecksum.finish(InternetChecksum.sum(header[ipStart...]))
        header[ipStart + 10] = UInt8(ipChecksum >> 8)
        header[ipStart + 11] = UInt8(ipChecksum & 0xFF)
        // UDP, checksum over the pseudo-header, header and payload.
        let udpLength = UInt16(8 + payload.count)
        let udpStart = header.count
        header.appendBE(source.port)
        header.appendBE(destination.port)
        header.appendBE(udpLength)
        header.appendBE(UInt16(0))
        var pseudo = [UInt8]()
        pseudo.appendBE(source.address.value)
        pseudo.appendBE(destination.address.value)
        pseudo.appendBE(UInt16(17))
        pseudo.appendBE(udpLength)
        var sum = InternetChecksum.sum(pseudo) &+ InternetChecksum.sum(header[udpStart...])
        sum &+= InternetChecksum.sum(payload)
        var udpChecksum = InternetChecksum.finish(sum)
        if udpChecksum == 0 { udpChecksum = 0xFFFF }  // 0 means "no checksum" in UDP over IPv4
        header[udpStart + 6] = UInt8(udpChecksum >> 8)
        header[udpStart + 7] = UInt8(udpChecksum & 0xFF)

        header.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: headerBytes) }
        if payload.count > 0 {
            (buffer.baseAddress! + headerBytes).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        }
        return total
    }
}

/// The ones'-complement checksum of RFC 1071 (IPv4 header, UDP).
public enum InternetChecksum {
    /// Sum of big-endian 16-bit words; an odd final byte is padded with zero.
    public static func sum<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var sum: UInt64 = 0
        var high = true
        for byte in bytes {
            sum &+= high ? UInt64(byte) << 8 : UInt64(byte)
            high.toggle()
        }
        return sum
    }

    public static func finish(_ sum: UInt64) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
