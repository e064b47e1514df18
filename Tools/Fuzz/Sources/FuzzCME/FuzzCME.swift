import ComputeFeed
import FuzzSupport
import FeedEngine
import VenueCME

/// libFuzzer entry point for the MDP 3.0 decoder and handler: every input is one datagram,
/// validated, decoded into values, and fed to a handler on the incremental (line A one datagram at
/// a time, line B in a batch), snapshot and definition feeds.
/// Anything but a clean return (a crash, an out-of-bounds read under ASan, a trap) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCME(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if case .success = MDP3PacketView.validate(bytes) {
        MDP3PacketView(unchecked: bytes).forEachMessage { _ = MDP3Message.decode($0) }
    }
    let handler = Fuzzing.handler
    handler.receive(bytes, feed: .incremental, line: 0, tsRecv: Fuzzing.clock)
    // Line B's copy through the batch receive, whose loop has the steady state compiled in again.
    let copy = ReceivedDatagram(bytes: bytes, line: 1, tsRecv: Fuzzing.clock)
    withUnsafePointer(to: copy) { handler.receive(UnsafeBufferPointer(start: $0, count: 1), feed: .incremental) }
    handler.receive(bytes, feed: .snapshot, line: 1, tsRecv: Fuzzing.clock &+ 1)
    handler.receive(bytes, feed: .definition, line: 0, tsRecv: Fuzzing.clock &+ 2)
    Fuzzing.clock &+= 1_000_000
    return 0
}

/// One long-lived handler, so inputs build on each other's state (definitions, books, recovery).
enum Fuzzing {
    nonisolated(unsafe) static let handler = CMEChannelHandler(sink: CountingSink())
    nonisolated(unsafe) static var clock: UInt64 = 1
}

@_cdecl("FuzzCME_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { fuzzCME($0, $1) }
}
