import ComputeFeed
import Testing
import TestSupport

/// The README's "In code" example, kept compiling and true.
@Suite struct ReadmeExampleTests {
    @Test func theInCodeExampleRuns() throws {
        let handler = CMEChannelHandler(configuration: CMEChannelConfiguration(schemas: [.mbp1, .trades, .system]),
                                        sink: RecordCollector())
        let reader = try PcapReader(path: TestPaths.packageRoot + "/Captures/cme-sample.pcap")
        while let datagram = try reader.next() {
            guard let (feed, line) = CMEChannelAddresses.channel410.route(datagram.destination) else { continue }
            handler.receive(datagram.payload, feed: feed, line: line, tsRecv: datagram.timestampNs)
        }
        handler.finish()
        #expect(handler.sink.all(TradeMsg.self).count > 200)
        #expect(handler.instrument(symbol: "GH1H7")?.book.bids.count ?? 0 > 0)
        #expect(handler.sink.all(Mbp10Msg.self).isEmpty)  // not selected, not built
    }
}
