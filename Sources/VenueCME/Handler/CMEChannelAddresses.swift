public import PacketCapture

/// Multicast groups of one MDP 3.0 channel: each feed on lines A and B (specs/instruments.md).
public struct CMEChannelAddresses: Sendable, Equatable {
    public var incremental: [Endpoint]
    public var snapshot: [Endpoint]
    public var definition: [Endpoint]

    public init(incremental: [Endpoint], snapshot: [Endpoint], definition: [Endpoint]) {
        self.incremental = incremental
        self.snapshot = snapshot
        self.definition = definition
    }

    /// Channel 410, the built-in default (overridden by a config file).
    public static let channel410 = CMEChannelAddresses(
        incremental: [Endpoint("239.31.1.10:31410")!, Endpoint("239.31.2.10:32410")!],
        snapshot: [Endpoint("239.31.1.11:31411")!, Endpoint("239.31.2.11:32411")!],
        definition: [Endpoint("239.31.1.12:31412")!, Endpoint("239.31.2.12:32412")!])

    /// The feed and line a datagram to `destination` belongs to.
    public func route(_ destination: Endpoint) -> (feed: CMEFeed, line: Int)? {
        if let line = incremental.firstIndex(of: destination) { return (.incremental, line) }
        if let line = snapshot.firstIndex(of: destination) { return (.snapshot, line) }
        if let line = definition.firstIndex(of: destination) { return (.definition, line) }
        return nil
    }
}
