import ComputeFeed
import FuzzSupport
import FeedEngine
import VenueSHFE

/// libFuzzer entry point for the MIRP decoder and handler: every input is one datagram, validated,
/// every field decoded, and fed to a long-lived topic handler on both lines. Anything but a clean
/// return is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSHFE(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if case .success(let view) = MIRPPacketView.validate(bytes) { view.forEachField { _ in } }
    var at = 0
    _ = VarInt.decode(bytes, at: &at)
    SHFEFuzzing.handler.receive(bytes, line: 0, tsRecv: SHFEFuzzing.clock)
    SHFEFuzzing.handler.receive(bytes, line: 1, tsRecv: SHFEFuzzing.clock &+ 1)
    SHFEFuzzing.clock &+= 1_000_000
    return 0
}

/// One long-lived handler for the 12 token contracts, so inputs build on each other's state.
enum SHFEFuzzing {
    nonisolated(unsafe) static let handler = SHFEChannelHandler(reference: SHFEReferenceData(topicID: 1001, instruments: (1...12).map {
        .init(instrumentNo: Int32($0), symbol: "tk\($0)", codecPrice: "4.00", priceTick: "0.01", volumeMultiple: 1000, currency: "CNY", expiration: nil)
    }), sink: CountingSink())
    nonisolated(unsafe) static var clock: UInt64 = 1
}

@_cdecl("FuzzSHFE_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { fuzzSHFE($0, $1) }
}
