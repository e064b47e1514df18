import ArgumentParser
import ComputeFeed
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

/// The reference data of an ICE-style capture; a bad file is a usage error.
func loadICEReference(_ path: String) throws -> ICEReferenceData {
    do { return try ICEReferenceData.load(path: path) } catch { throw CLIFailure(.usage, error.description) }
}

/// The reference data of an SHFE-style capture; a bad file is a usage error.
func loadSHFEReference(_ path: String) throws -> SHFEReferenceData {
    do { return try SHFEReferenceData.load(path: path) } catch { throw CLIFailure(.usage, error.description) }
}

/// `--mdqp HOST:PORT`, `--mdqp-user`, `--mdqp-password`: the SHFE-style recovery server of
/// `replay --venue shfe` and `run`.
struct MDQPOptions: ParsableArguments {
    @Option(help: "shfe: an MDQP server (HOST:PORT) to recover gaps from: retransmission, else snapshot.")
    var mdqp: String?

    @Option(name: .customLong("mdqp-user"), help: "shfe: MDQP login user (with --mdqp).")
    var mdqpUser: String = "cfeed"

    @Option(name: .customLong("mdqp-password"), help: "shfe: MDQP login password (with --mdqp).")
    var mdqpPassword: String = ""

    func validate() throws {
        if let mdqp, Endpoint(mdqp) == nil { throw ValidationError("--mdqp '\(mdqp)' is not HOST:PORT (an IPv4 address and a port)") }
    }

    /// The client configuration, when a server is given.
    var client: MDQPClientConfiguration? {
        mdqp.flatMap(Endpoint.init).map { MDQPClientConfiguration(server: $0, userID: mdqpUser, password: mdqpPassword) }
    }
}
