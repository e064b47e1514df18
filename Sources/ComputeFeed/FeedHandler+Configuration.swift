public import FeedEngine
import Foundation
public import PacketCapture
import VenueCME
import VenueICE
public import VenueSHFE

/// From a JSON configuration (`FeedConfiguration.load(path:)`) to the handler of one of its venues:
/// what `cfeed run --config` starts.
///
/// | venue | groups | reference data |
/// |---|---|---|
/// | `cme` | feeds `incremental`, `snapshot`, `definition` (default: channel 410) | on the wire (definition feed) |
/// | `ice` | feeds `live`, `snapshot` (default: the full-order-depth channel) | `"reference"`: a file, required |
/// | `shfe` | feed `mirp`, lines A and B (default: topic 1001's) | `"reference"`: a file, or fetched from the MDQP server |
///
/// The interface is the first `interface` a line of the channel names (default 127.0.0.1); the
/// ring and socket-buffer sizes come from `settings`.
extension FeedHandler {
    /// A handler for `venue` of `configuration` (the only venue it lists when nil); for `shfe`,
    /// recovering through the MDQP server of `mdqp` when given.
    public convenience init(configuration: FeedConfiguration, venue: String? = nil,
                            mdqp: MDQPClientConfiguration? = nil) throws(ConfigurationError) {
        self.init(settings: try Settings(configuration: configuration, venue: venue, mdqp: mdqp))
    }
}

extension FeedHandler.Settings {
    /// The settings of `venue` of `configuration` (see `FeedHandler.init(configuration:venue:mdqp:)`).
    /// A reference file named relative to the configuration is read from the configuration's directory.
    public init(configuration: FeedConfiguration, venue name: String? = nil, mdqp: MDQPClientConfiguration? = nil) throws(ConfigurationError) {
        let chosen: VenueConfiguration
        if let name {
            guard let named = configuration.venue(name) else { throw ConfigurationError("the configuration has no \(name) venue") }
            chosen = named
        } else {
            guard let only = configuration.venues.first else { throw ConfigurationError("the configuration lists no venue") }
            guard configuration.venues.count == 1 else {
                let names = configuration.venues.map(\.venue).joined(separator: ", ")
                throw ConfigurationError("the configuration lists \(configuration.venues.count) venues (\(names)): name the one to run")
            }
            chosen = only
        }
        if mdqp != nil && chosen.venue != "shfe" {
            throw ConfigurationError("MDQP recovery is for the shfe venue, not \(chosen.venue)")
        }
        let channel = chosen.channels?.first
        var addresses = CMEChannelAddresses.channel410
        let venue: Venue
        switch chosen.venue {
        case "cme":
            addresses = CMEChannelAddresses(configured: channel)
            venue = .cme
        case "ice":
            guard let path = chosen.reference else {
                throw ConfigurationError("the ice venue needs \"reference\": the channel's reference data file")
            }
            venue = .ice(reference: try ICEReferenceData.load(path: configuration.resolve(path)),
                         addresses: ICEChannelAddresses(configured: channel))
        case "shfe":
            let reference: SHFEReferenceData
            if let path = chosen.reference {
                reference = try SHFEReferenceData.load(path: configuration.resolve(path))
            } else if let mdqp {
                // Topic: the channel's id, else the topic of specs/instruments.md.
                let topic = Int16(clamping: channel?.id ?? Int(SHFEMapping.defaultTopicID))
                do { reference = try SHFEReferenceData.fetch(topicID: topic, from: mdqp) } catch {
                    throw ConfigurationError("cannot fetch the reference data of topic \(topic) from the MDQP server \(mdqp.server): \(error)")
                }
            } else {
                throw ConfigurationError("the shfe venue needs \"reference\" (a reference data file) or an MDQP server to fetch it from")
            }
            venue = .shfe(reference: reference, lines: Self.shfeLines(configured: channel), mdqp: mdqp)
        default:
            throw ConfigurationError("unknown venue '\(chosen.venue)' (cme, ice, shfe)")
        }
        let interface = channel?.feeds?.values.flatMap { $0.values }.compactMap(\.interface).first.flatMap(IPv4Address.init)
        self.init(addresses: addresses, interface: interface ?? IPv4Address("127.0.0.1")!,
                  ringBytes: configuration.settings?.ringBytes ?? 64 << 20,
                  receiveBufferBytes: configuration.settings?.receiveBufferBytes ?? 16 << 20,
                  sources: channel?.sources ?? [:], venue: venue)
    }

    /// Lines A and B of the SHFE-style topic: the `mirp` feed of `channel`, else the built-in addresses.
    public static func shfeLines(configured channel: ChannelConfiguration?) -> [Endpoint] {
        channel?.endpoints("mirp") ?? [Endpoint("239.33.1.10:33001")!, Endpoint("239.33.2.10:33001")!]
    }
}

extension FeedHandler.Settings.Venue {
    /// The venue's name in configurations and archive directories.
    public var name: String {
        switch self {
        case .cme: "cme"
        case .ice: "ice"
        case .shfe: "shfe"
        }
    }

    /// The DBN dataset of the venue's records.
    public var dataset: String {
        switch self {
        case .cme: CMEMapping.dataset
        case .ice: ICEMapping.dataset
        case .shfe: SHFEMapping.dataset
        }
    }
}
