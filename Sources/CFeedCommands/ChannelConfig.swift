import FeedEngine

import PacketCapture
import VenueICE
import VenueSHFE

/// The CME channel of a config file (nil without `--config`); a bad file is a usage error.
func loadCMEChannel(_ path: String?) throws -> ChannelConfiguration? { try loadChannel(path, venue: "cme") }

/// A venue's first channel in a config file (nil without `--config`).
func loadChannel(_ path: String?, venue: String) throws -> ChannelConfiguration? {
    guard let path else { return nil }
    do { return try FeedConfiguration.load(path: path).venue(venue)?.channels?.first } catch {
        throw CLIFailure(.usage, error.description)
    }
}

extension ICEChannelAddresses {
    /// The built-in full-order-depth channel, overridden by the `live` and `snapshot` feeds a config gives.
    init(configured channel: ChannelConfiguration?) {
        self = .fullOrderDepth
        guard let channel else { return }
        live = channel.endpoints("live") ?? live
        snapshot = channel.endpoints("snapshot") ?? snapshot
    }
}

/// The reference data of an ICE-style capture; a bad file is a usage error.
func loadICEReference(_ path: String) throws -> ICEReferenceData {
    do { return try ICEReferenceData.load(path: path) } catch { throw CLIFailure(.usage, error.description) }
}

/// The reference data of an SHFE-style capture; a bad file is a usage error.
func loadSHFEReference(_ path: String) throws -> SHFEReferenceData {
    do { return try SHFEReferenceData.load(path: path) } catch { throw CLIFailure(.usage, error.description) }
}

/// Lines A and B of the SHFE-style topic: the built-in addresses, or the `mirp` feed of a config.
func shfeLines(_ channel: ChannelConfiguration?) -> [Endpoint] {
    channel?.endpoints("mirp") ?? [Endpoint("239.33.1.10:33001")!, Endpoint("239.33.2.10:33001")!]
}
