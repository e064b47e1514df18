import FeedEngine

/// The CME channel of a config file (nil without `--config`); a bad file is a usage error.
func loadCMEChannel(_ path: String?) throws -> ChannelConfiguration? {
    guard let path else { return nil }
    do { return try FeedConfiguration.load(path: path).venue("cme")?.channels?.first } catch {
        throw CLIFailure(.usage, error.description)
    }
}
