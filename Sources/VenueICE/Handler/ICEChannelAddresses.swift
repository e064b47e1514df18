public import PacketCapture

/// Multicast groups of the ICE-style full-order-depth channel (specs/instruments.md): the live
/// channel on lines A and B, the snapshot channel on one line.
public struct ICEChannelAddresses: Sendable, Equatable {
    public var live: [Endpoint]
    public var snapshot: [Endpoint]

    public init(live: [Endpoint], snapshot: [Endpoint]) {
        self.live = live
        self.snapshot = snapshot
    }

    /// The built-in default (overridden by a config file).
    public static let fullOrderDepth = ICEChannelAddresses(
        live: [Endpoint("239.32.1.10:32510")!, Endpoint("239.32.2.10:32510")!],
        snapshot: [Endpoint("239.32.1.11:32511")!])

    public func route(_ destination: Endpoint) -> (feed: ICEFeed, line: Int)? {
        if let line = live.firstIndex(of: destination) { return (.live, line) }
        if let line = snapshot.firstIndex(of: destination) { return (.snapshot, line) }
        return nil
    }

    public var allEndpoints: [Endpoint] { live + snapshot }
}
