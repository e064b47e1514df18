public import PacketCapture

/// Hand-made link-layer frames and capture files for tests: every link type ComputeFeed reads, and
/// the malformed frames it must count and skip.
public enum HandMadeFrames {
    public static let source = Endpoint(IPv4Address("10.0.0.1")!, 40000)
    public static let group = Endpoint(IPv4Address("239.31.1.10")!, 31410)

    /// An Ethernet/IPv4/UDP frame with valid checksums.
    public static func ethernet(_ payload: [UInt8], from: Endpoint = source, to: Endpoint = group) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: UDPFrameBuilder.headerBytes + payload.count)
        let n = frame.withUnsafeMutableBytes { buffer in
            payload.withUnsafeBytes { try! UDPFrameBuilder.build(into: buffer, source: from, destination: to, payload: $0) }
        }
        return Array(frame[0..<n])
    }

    /// The IPv4 packet (no link header) of `ethernet(...)`.
    public static func ipv4(_ payload: [UInt8], from: Endpoint = source, to: Endpoint = group) -> [UInt8] {
        Array(ethernet(payload, from: from, to: to).dropFirst(14))
    }

    /// An Ethernet frame with VLAN tags (TPID, VLAN id) inserted before the EtherType.
    public static func vlan(_ payload: [UInt8], tags: [(UInt16, UInt16)]) -> [UInt8] {
        var frame = ethernet(payload)
        var inserted: [UInt8] = []
        for (tpid, id) in tags { inserted += be(tpid) + be(id) }
        frame.insert(contentsOf: inserted, at: 12)
        return frame
    }

    /// Linux cooked v1: packet type, ARPHRD_ETHER, address length, 8-byte address, protocol.
    public static func linuxSLL(_ payload: [UInt8]) -> [UInt8] {
        be(UInt16(0)) + be(UInt16(1)) + be(UInt16(6)) + [2, 0, 0, 0, 0, 1, 0, 0] + be(UInt16(0x0800)) + ipv4(payload)
    }

    /// Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address.
    public static func linuxSLL2(_ payload: [UInt8]) -> [UInt8] {
        be(UInt16(0x0800)) + be(UInt16(0)) + be(UInt32(2)) + be(UInt16(1)) + [0, 6] + [2, 0, 0, 0, 0, 1, 0, 0] + ipv4(payload)
    }

    /// An ARP request frame (not IP).
    public static func arp() -> [UInt8] {
        [UInt8](repeating: 0xFF, count: 6) + [2, 0, 0, 0, 0, 1] + be(UInt16(0x0806)) + [UInt8](repeating: 0, count: 28)
    }

    /// An IPv4 frame with a different protocol (6 = TCP), checksum left as is.
    public static func withProtocol(_ proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var frame = ethernet(payload)
        frame[14 + 9] = proto
        return frame
    }

    /// The first fragment of a datagram (MF flag set).
    public static func fragment(_ payload: [UInt8]) -> [UInt8] {
        var frame = ethernet(payload)
        frame[14 + 6] = 0x20
        return frame
    }

    /// A frame whose IPv4 header length field says 16 bytes (below the minimum 20).
    public static func badHeaderLength(_ payload: [UInt8]) -> [UInt8] {
        var frame = ethernet(payload)
        frame[14] = 0x44
        return frame
    }

    /// A frame whose UDP length claims more than the IP packet holds.
    public static func badUDPLength(_ payload: [UInt8]) -> [UInt8] {
        var frame = ethernet(payload)
        frame[14 + 20 + 4] = 0xFF
        frame[14 + 20 + 5] = 0xFF
        return frame
    }

    /// An IPv4 header with 8 bytes of options (IHL 7) before the UDP header.
    public static func withIPOptions(_ payload: [UInt8]) -> [UInt8] {
        var frame = ethernet(payload)
        frame[14] = 0x47
        let total = Int(frame[16]) << 8 | Int(frame[17]) + 8
        frame[16] = UInt8(total >> 8)
        frame[17] = UInt8(total & 0xFF)
        frame.insert(contentsOf: [1, 1, 1, 1, 1, 1, 1, 0], at: 14 + 20)  // NOPs and end-of-options
        return frame
    }

    /// A pcapng file: section header, one interface (with `if_tsresol` 9 for nanoseconds when
    /// asked), and one enhanced packet block per frame.
    public static func pcapng(linkType: UInt16, nanoseconds: Bool, frames: [(UInt64, [UInt8])]) -> [UInt8] {
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            let length = UInt32(12 + padded.count)
            return le(type) + le(length) + padded + le(length)
        }
        var file = block(0x0A0D_0D0A, le(UInt32(0x1A2B_3C4D)) + le(UInt16(1)) + le(UInt16(0)) + le(UInt64.max))
        var options: [UInt8] = []
        if nanoseconds { options = le(UInt16(9)) + le(UInt16(1)) + [9, 0, 0, 0] + le(UInt16(0)) + le(UInt16(0)) }
        file += block(1, le(linkType) + le(UInt16(0)) + le(UInt32(262_144)) + options)
        for (ts, frame) in frames {
            let units = nanoseconds ? ts : ts / 1000
            let body = le(UInt32(0)) + le(UInt32(units >> 32)) + le(UInt32(units & 0xFFFF_FFFF))
                + le(UInt32(frame.count)) + le(UInt32(frame.count)) + frame
            file += block(6, body)
        }
        return file
    }

    public static func be<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    public static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}
