import Foundation
import Testing
import TestSupport
@testable import PacketCapture

@Suite struct PcapWriterTests {
    /// tshark validates the IPv4 header and UDP checksums of everything the writer frames.
    @Test func tsharkReportsGoodChecksums() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("w.pcap")
        let writer = try PcapWriter(path: path)
        let sizes = [0, 1, 2, 3, 17, 255, 1400, 8000]
        for (i, size) in sizes.enumerated() {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            try writer.writeUDP(timestampNs: 1_799_073_000_000_000_000 + UInt64(i) * 1000,
                                source: Endpoint(IPv4Address("10.1.2.3")!, UInt16(40000 + i)),
                                destination: Endpoint(IPv4Address("239.31.1.10")!, 31410), payload: payload)
        }
        try writer.close()
        let result = try run("/usr/bin/tshark", [
            "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields",
            "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "udp.length",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == sizes.count)
        for (row, size) in zip(rows, sizes) {
            // tshark's checksum status: 1 = good.
            #expect(row == ["1", "1", "\(size + 8)"], "payload of \(size) bytes")
        }
    }

    @Test func writtenCapturesReadBack() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("r.pcap")
        let writer = try PcapWriter(path: path)
        let group = Endpoint(IPv4Address("239.31.2.10")!, 32410)
        try writer.writeUDP(timestampNs: 42, source: HandMadeFrames.source, destination: group, payload: [9, 8, 7])
        try writer.close()
        let reader = try PcapReader(path: path)
        let d = try #require(try reader.next())
        #expect(d.timestampNs == 42 && d.destination == group && Array(d.payload) == [9, 8, 7])
        #expect(try reader.next() == nil)
    }

    @Test func multicastDestinationsGetMulticastMACs() throws {
        let frame = HandMadeFrames.ethernet([1], to: Endpoint(IPv4Address("239.159.1.10")!, 1))
        #expect(Array(frame[0..<6]) == [0x01, 0x00, 0x5E, 0x1F, 0x01, 0x0A])
    }

    @Test func addressesParseAndPrint() {
        #expect(Endpoint("239.31.1.10:31410")?.description == "239.31.1.10:31410")
        #expect(IPv4Address("239.31.1.10")?.value == 0xEF1F_010A)
        for bad in ["239.31.1", "239.31.1.256", "a.b.c.d", "1.2.3.4.5", "", "1..2.3"] { #expect(IPv4Address(bad) == nil) }
        #expect(Endpoint("239.31.1.10") == nil)
        #expect(Endpoint("239.31.1.10:70000") == nil)
    }
}
