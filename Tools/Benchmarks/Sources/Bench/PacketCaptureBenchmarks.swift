import CBaselines
import ComputeFeed
import Foundation

/// Reading UDP datagrams from a pcap file, against a C loop over libpcap's pcap_next_ex alone.
enum PacketCaptureBenchmarks {
    static func run(_ harness: inout Harness) {
        let path = NSTemporaryDirectory() + "/cfeed-bench-\(getpid()).pcap"
        defer { unlink(path) }
        let count = 500_000
        let writer = try! PcapWriter(path: path)
        let payload = [UInt8](repeating: 7, count: 96)
        let source = Endpoint(IPv4Address("10.0.0.1")!, 5000)
        for i in 0..<count {
            let group = Endpoint(IPv4Address(0xEF1F_010A + UInt32(i % 2) << 8), 31410)
            try! writer.writeUDP(timestampNs: UInt64(i) * 1000, source: source, destination: group, payload: payload)
        }
        try! writer.close()
        var sink: UInt64 = 0
        let read = harness.measure({
            let reader = try! PcapReader(path: path)
            while let d = try! reader.next() { sink &+= UInt64(d.payload.count) &+ UInt64(d.destination.port) }
        }, baseline: {
            var bytes: UInt64 = 0
            sink &+= UInt64(cb_walk_pcap(path, &bytes)) &+ bytes
        })
        harness.report("pcap read: frame + IPv4 + UDP decode", units: count, unitName: "datagrams", subject: read.subject,
                       baselineName: "C pcap_next_ex loop", baseline: read.baseline)
        if sink == 42 { print("") }
    }
}
