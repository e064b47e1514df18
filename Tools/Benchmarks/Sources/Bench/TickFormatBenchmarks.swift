import CBaselines
import ComputeFeed

/// DBN v3 encode and decode, against memcpy and a C loop that walks the same records.
enum TickFormatBenchmarks {
    static func run(_ harness: inout Harness) {
        let count = 200_000
        var encoder = try! DBNEncoder(sink: [UInt8](), metadata: Metadata(dataset: "CF.CME.MDP3", schema: .mbp10, start: 0))
        encoder.sink.reserveCapacity(count * 368 + 1024)
        var record = Mbp10Msg(publisherID: 1002, instrumentID: 910_001, tsEvent: 0,
                              event: BookEvent(price: 2_600_000_000, size: 1, action: .add, side: .bid, flags: .last,
                                               depth: 0, tsRecv: 0))
        for i in 0..<count {
            record.header.tsEvent = UInt64(i)
            record.levels[i % 10].bidSz = UInt32(i)
            try! encoder.encode(record)
        }
        let stream = encoder.sink
        let headerSize = stream.withUnsafeBytes { try! Metadata.headerSize($0)! }
        var sink: UInt64 = 0

        // Decode: streaming, 1 MiB chunks, reading one field of every record in place.
        let decode = harness.measure({
            let decoder = DBNDecoder()
            var sum: UInt64 = 0
            stream.withUnsafeBytes { all in
                var position = 0
                while position < all.count {
                    let end = min(all.count, position + (1 << 20))
                    try! decoder.feed(UnsafeRawBufferPointer(rebasing: all[position..<end])) { sum &+= $0.tsEvent }
                    position = end
                }
            }
            sink &+= sum
        }, baseline: {
            stream.withUnsafeBytes { all in
                sink &+= cb_walk_dbn_records(all.baseAddress! + headerSize, all.count - headerSize)
            }
        })
        harness.report("DBN decode, MBP-10 (streaming, 1 MiB chunks)", units: count, unitName: "records",
                       subject: decode.subject, baselineName: "C loop over the same records", baseline: decode.baseline)

        // Encode: typed records into a reused buffer.
        var out = [UInt8]()
        out.reserveCapacity(stream.count)
        let encode = harness.measure({
            out.removeAll(keepingCapacity: true)
            var e = try! DBNEncoder(sink: out, metadata: Metadata(dataset: "CF.CME.MDP3", schema: .mbp10, start: 0))
            out = []
            for i in 0..<count {
                record.header.tsEvent = UInt64(i)
                try! e.encode(record)
            }
            out = e.sink
        }, baseline: {
            out.removeAll(keepingCapacity: true)
            stream.withUnsafeBytes { out.append(contentsOf: $0) }
        })
        harness.report("DBN encode, MBP-10 (to memory)", units: count, unitName: "records", subject: encode.subject,
                       baselineName: "memcpy of the same bytes", baseline: encode.baseline)
        if sink == 42 { print("") }
    }
}
