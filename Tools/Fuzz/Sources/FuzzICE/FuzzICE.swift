import ComputeFeed
import FuzzSupport
import FeedEngine
import VenueICE

/// libFuzzer entry point for the iMpact decoder and handler: every input is one datagram,
/// validated, every message decoded into values, and fed to a long-lived handler on the live
/// (both lines) and snapshot channels. Anything but a clean return is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICE(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if case .success(let view) = ICEPacketView.validate(bytes) {
        view.forEachMessage { _, type, body in _ = ICEMessage.decode(type: type, body: body) }
    }
    let handler = ICEFuzzing.handler
    handler.receive(bytes, feed: .live, line: 0, tsRecv: ICEFuzzing.clock)
    handler.receive(bytes, feed: .live, line: 1, tsRecv: ICEFuzzing.clock &+ 1)
    handler.receive(bytes, feed: .snapshot, line: 0, tsRecv: ICEFuzzing.clock &+ 2)
    ICEFuzzing.clock &+= 1_000_000
    return 0
}

/// One long-lived handler for the 8 markets of the sample, so inputs build on each other's state.
enum ICEFuzzing {
    nonisolated(unsafe) static let handler = ICEChannelHandler(reference: ICEReferenceData(markets: (0..<8).map {
        .init(marketID: 72001 + Int32($0), symbol: "M\($0)", underlying: nil, dealPriceDenominator: 3, tick: "0.001",
              contractSize: 1000, currency: "USD", expiration: nil)
    }), sink: CountingSink())
    nonisolated(unsafe) static var clock: UInt64 = 1
}

@_cdecl("FuzzICE_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { fuzzICE($0, $1) }
}
