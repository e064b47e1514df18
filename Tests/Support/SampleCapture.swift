public import PacketCapture

/// `Captures/handmade-sample.pcap`: the bundled capture of the quick start until the simulator
/// makes real ones. A few seconds of datagrams to the CME channel-410 incremental groups (lines A
/// and B), some behind VLAN tags, mixed with the frames a real capture holds that are not feed
/// data: ARP, TCP, a fragment, and one frame cut by the snap length.
public enum SampleCapture {
    public static let relativePath = "Captures/handmade-sample.pcap"
    public static let lineA = Endpoint(IPv4Address("239.31.1.10")!, 31410)
    public static let lineB = Endpoint(IPv4Address("239.31.2.10")!, 32410)
    public static let start: UInt64 = 1_799_073_000_000_000_000  // 2027-01-04T14:30:00Z

    /// Expected summary facts, asserted by the CLI tests.
    public static let datagramsPerLine = 40
    public static let vlanTagged = 10
    public static let skipped: [SkipReason: Int] = [.truncated: 1, .notIP: 1, .notUDP: 1, .fragment: 1]

    public static func write(to path: String) throws {
        typealias F = HandMadeFrames
        let writer = try PcapWriter(path: path)
        let source = Endpoint(IPv4Address("10.31.0.5")!, 50410)
        for i in 0..<datagramsPerLine {
            let ts = start + UInt64(i) * 100_000_000  // 10 per second
            let payload = (0..<(24 + i % 7 * 8)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            let frameA = F.ethernet(payload, from: source, to: lineA)
            if i % 4 == 0 {
                var tagged = frameA
                tagged.insert(contentsOf: F.be(UInt16(0x8100)) + F.be(UInt16(410)), at: 12)
                try writer.writeFrame(timestampNs: ts, tagged)
            } else {
                try writer.writeFrame(timestampNs: ts, frameA)
            }
            try writer.writeFrame(timestampNs: ts + 3_000, F.ethernet(payload, from: source, to: lineB))
            switch i {
            case 5: try writer.writeFrame(timestampNs: ts + 5_000, F.arp())
            case 11: try writer.writeFrame(timestampNs: ts + 5_000, F.withProtocol(6, [0, 1, 2, 3]))
            case 17: try writer.writeFrame(timestampNs: ts + 5_000, F.fragment(payload))
            case 23:
                let cut = F.ethernet(Array(repeating: 0xAB, count: 200), from: source, to: lineA)
                try writer.writeFrame(timestampNs: ts + 5_000, Array(cut.prefix(96)), originalLength: cut.count)
            default: break
            }
        }
        try writer.close()
    }
}
