import FeedEngine
import VenueCME

extension CMEChannelAddresses {
    /// The channel-410 defaults, overridden by whatever feeds `channel` configures.
    init(configured channel: ChannelConfiguration?) {
        self = .channel410
        guard let channel else { return }
        incremental = channel.endpoints("incremental") ?? incremental
        snapshot = channel.endpoints("snapshot") ?? snapshot
        definition = channel.endpoints("definition") ?? definition
    }
}

/// The CME channel of a config file (nil without `--config`); a bad file is a usage error.
func loadCMEChannel(_ path: String?) throws -> ChannelConfiguration? {
    guard let path else { return nil }
    do { return try FeedConfiguration.load(path: path).venue("cme")?.channels?.first } catch {
        throw CLIFailure(.usage, error.description)
    }
}
