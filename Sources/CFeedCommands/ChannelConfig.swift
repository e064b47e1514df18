import FeedEngine

import VenueICE

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
