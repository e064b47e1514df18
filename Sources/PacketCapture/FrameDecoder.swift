/// Finds the UDP datagram inside a captured link-layer frame.
///
/// Supported link types: Ethernet II with any number of 802.1Q / 802.1ad VLAN tags, Linux cooked
/// capture v1 (SLL) and v2 (SLL2), and raw IPv4. IPv4 options are skipped by the header length.
/// The IPv4 header checksum is not verified: captures taken on the sending host routinely show
/// checksums the NIC fills in later, and the kernel has already dropped bad ones on a receiver.
public enum FrameDecoder {
    /// What a frame holds.
    public enum Outcome: Equatable {
        /// A datagram; the payload is `frame[payloadStart..<payloadStart + payloadCount]`.
        case datagram(source: Endpoint, destination: Endpoint, payloadStart: Int, payloadCount: Int)
        case skipped(SkipReason)
    }

    static let etherTypeIPv4: UInt16 = 0x0800

    /// Decodes `frame` (the captured bytes) of a packet whose original length was `wireLength`.
    public static func decode(_ frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> Outcome {
        let snapped = frame.count < wireLength
        var offset: Int
        var etherType: UInt16
        switch linkType {
        case .ethernet:
            offset = 14
            guard frame.count >= offset else { return .skipped(.truncated) }
            etherType = frame.bigEndian(at: 12)
        case .linuxSLL:
            offset = 16
            guard frame.count >= offset else { return .skipped(.truncated) }
            etherType = frame.bigEndian(at: 14)
        case .linuxSLL2:
            offset = 20
            guard frame.count >= offset else { return .skipped(.truncated) }
            etherType = frame.bigEndian(at: 0)
        case .rawIP, .ipv4:
            offset = 0
            guard frame.count >= 1 else { return .skipped(.truncated) }
            etherType = frame[0] >> 4 == 4 ? etherTypeIPv4 : 0
        }
        // 802.1Q, 802.1ad and the older QinQ type, stacked any number of times.
        while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
            guard frame.count >= offset + 4 else { return .skipped(.truncated) }
            etherType = frame.bigEndian(at: offset + 2)
            offset += 4
        }
        guard etherType == etherTypeIPv4 else { return .skipped(.notIP) }
        return decodeIPv4(frame, at: offset, snapped: snapped)
    }

    static func decodeIPv4(_ frame: UnsafeRawBufferPointer, at ip: Int, snapped: Bool) -> Outcome {
        guard frame.count >= ip + 20 else { return .skipped(snapped || frame.count > ip ? .truncated : .badIPHeader) }
        let versionIHL = frame[ip]
        guard versionIHL >> 4 == 4 else { return .skipped(.badIPHeader) }
        let headerLength = Int(versionIHL & 0x0F) * 4
        let totalLength = Int(frame.bigEndian(at: ip + 2) as UInt16)
        guard headerLength >= 20, totalLength >= headerLength else { return .skipped(.badIPHeader) }
        let available = frame.count - ip
        if totalLength > available { return .skipped(snapped ? .truncated : .badIPHeader) }
        let fragment: UInt16 = frame.bigEndian(at: ip + 6)
        if fragment & 0x3FFF != 0 { return .skipped(.fragment) }  // MF flag or a fragment offset
        guard frame[ip + 9] == 17 else { return .skipped(.notUDP) }
        let udp = ip + headerLength
        guard totalLength - headerLength >= 8 else { return .skipped(.badUDPHeader) }
        let udpLength = Int(frame.bigEndian(at: udp + 4) as UInt16)
        guard udpLength >= 8, udpLength <= totalLength - headerLength else { return .skipped(.badUDPHeader) }
        let source = Endpoint(IPv4Address(frame.bigEndian(at: ip + 12)), frame.bigEndian(at: udp))
        let destination = Endpoint(IPv4Address(frame.bigEndian(at: ip + 16)), frame.bigEndian(at: udp + 2))
        return .datagram(source: source, destination: destination, payloadStart: udp + 8, payloadCount: udpLength - 8)
    }
}

/// The link-layer types a capture may have (libpcap DLT values).
public enum LinkType: Int32, Sendable, CustomStringConvertible {
    case ethernet = 1
    /// DLT_RAW as Linux's libpcap reports LINKTYPE_RAW (101).
    case rawIP = 12
    case linuxSLL = 113
    case ipv4 = 228
    case linuxSLL2 = 276

    /// The LINKTYPE_ value a pcap file header carries.
    public var fileValue: UInt32 {
        switch self {
        case .rawIP: 101
        default: UInt32(rawValue)
        }
    }

    public var description: String {
        switch self {
        case .ethernet: "Ethernet"
        case .rawIP: "raw IP"
        case .linuxSLL: "Linux cooked v1"
        case .ipv4: "raw IPv4"
        case .linuxSLL2: "Linux cooked v2"
        }
    }
}

extension UnsafeRawBufferPointer {
    /// A big-endian (network order) integer at `offset`; the caller has checked the bounds.
    func bigEndian<T: FixedWidthInteger>(at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
