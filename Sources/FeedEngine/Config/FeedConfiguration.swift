import Foundation
public import PacketCapture

/// The JSON configuration shared by `cfeed replay --config`, `cfeed simulate --config` and
/// `cfeed run --config`: venues, their channels, each channel's feeds, and each feed's lines with
/// multicast group, port and interface; for ICE and SHFE the reference data file. Anything not
/// given keeps the built-in defaults of specs/instruments.md.
///
/// ```json
/// {
///   "venues": [{
///     "venue": "cme",
///     "channels": [{
///       "id": 410,
///       "feeds": {
///         "incremental": { "A": { "group": "239.31.1.10", "port": 31410, "interface": "127.0.0.1" },
///                          "B": { "group": "239.31.2.10", "port": 32410 } },
///         "snapshot":    { "A": { "group": "239.31.1.11", "port": 31411 }, "B": { "group": "239.31.2.11", "port": 32411 } },
///         "definition":  { "A": { "group": "239.31.1.12", "port": 31412 }, "B": { "group": "239.31.2.12", "port": 32412 } }
///       }
///     }]
///   }]
/// }
/// ```
public struct FeedConfiguration: Codable, Sendable, Equatable {
    public var venues: [VenueConfiguration]
    /// Handler resources: `{"ring_bytes": 67108864, "receive_buffer_bytes": 16777216}` (optional).
    public var settings: HandlerSettings?
    /// The directory of the file it was loaded from: relative paths in it (reference data) are
    /// taken from there, not from the working directory. Not part of the JSON.
    public var directory: String?

    enum CodingKeys: String, CodingKey {
        case venues, settings
    }

    /// `path` as written in the file: absolute, or relative to the file's directory.
    public func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory else { return path }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }

    public struct HandlerSettings: Codable, Sendable, Equatable {
        /// Broadcast ring capacity in bytes (a power of two, at least 4096).
        public var ringBytes: Int?
        /// SO_RCVBUF asked for each multicast socket.
        public var receiveBufferBytes: Int?

        enum CodingKeys: String, CodingKey {
            case ringBytes = "ring_bytes"
            case receiveBufferBytes = "receive_buffer_bytes"
        }
    }

    public init(venues: [VenueConfiguration], settings: HandlerSettings? = nil) {
        self.venues = venues
        self.settings = settings
    }

    public func venue(_ name: String) -> VenueConfiguration? { venues.first { $0.venue == name } }

    /// Reads and validates a configuration file; errors name the file and the JSON path.
    public static func load(path: String) throws(ConfigurationError) -> FeedConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigurationError("cannot read config \(path): \((error as NSError).localizedDescription)")
        }
        var config: FeedConfiguration
        do { config = try JSONDecoder().decode(FeedConfiguration.self, from: data) } catch let error as DecodingError {
            throw ConfigurationError("config \(path): \(ConfigurationError.describe(error))")
        } catch {
            throw ConfigurationError("config \(path): \(error)")
        }
        try config.validate(path: path)
        config.directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return config
    }

    func validate(path: String) throws(ConfigurationError) {
        if let ring = settings?.ringBytes, ring < 4096 || ring & (ring - 1) != 0 {
            throw ConfigurationError("config \(path): settings.ring_bytes: \(ring) must be a power of two of at least 4096")
        }
        if let buffer = settings?.receiveBufferBytes, buffer <= 0 {
            throw ConfigurationError("config \(path): settings.receive_buffer_bytes must be positive")
        }
        for (v, venue) in venues.enumerated() {
            guard ["cme", "ice", "shfe"].contains(venue.venue) else {
                throw ConfigurationError("config \(path): venues[\(v)].venue: unknown venue '\(venue.venue)' (cme, ice, shfe)")
            }
            for (c, channel) in (venue.channels ?? []).enumerated() {
                for (feed, lines) in channel.feeds ?? [:] {
                    for (name, line) in lines {
                        let where_ = "venues[\(v)].channels[\(c)].feeds.\(feed).\(name)"
                        guard ["A", "B"].contains(name) else { throw ConfigurationError("config \(path): \(where_): lines are named A or B") }
                        guard IPv4Address(line.group) != nil else {
                            throw ConfigurationError("config \(path): \(where_).group: '\(line.group)' is not an IPv4 address")
                        }
                        if let source = line.source, IPv4Address(source) == nil {
                            throw ConfigurationError("config \(path): \(where_).source: '\(source)' is not an IPv4 address")
                        }
                        if let interface = line.interface, IPv4Address(interface) == nil {
                            throw ConfigurationError("config \(path): \(where_).interface: '\(interface)' is not an IPv4 address")
                        }
                    }
                }
            }
        }
    }
}

public struct VenueConfiguration: Codable, Sendable, Equatable {
    public var venue: String
    public var channels: [ChannelConfiguration]?
    /// Reference-data file (ICE, SHFE).
    public var reference: String?

    public init(venue: String, channels: [ChannelConfiguration]? = nil, reference: String? = nil) {
        self.venue = venue
        self.channels = channels
        self.reference = reference
    }
}

public struct ChannelConfiguration: Codable, Sendable, Equatable {
    public var id: Int
    /// Feed name (`incremental`, `snapshot`, `definition`; ICE `live`, `snapshot`) → lines A/B.
    public var feeds: [String: [String: LineConfiguration]]?

    public init(id: Int, feeds: [String: [String: LineConfiguration]]? = nil) {
        self.id = id
        self.feeds = feeds
    }

    /// Source addresses for source-specific joins, by group:port.
    public var sources: [Endpoint: IPv4Address] {
        var out: [Endpoint: IPv4Address] = [:]
        for lines in (feeds ?? [:]).values {
            for line in lines.values {
                if let group = IPv4Address(line.group), let source = line.source.flatMap(IPv4Address.init) {
                    out[Endpoint(group, line.port)] = source
                }
            }
        }
        return out
    }

    /// The endpoints of `feed` in line order (A, B), or nil when the config does not give them.
    public func endpoints(_ feed: String) -> [Endpoint]? {
        guard let lines = feeds?[feed] else { return nil }
        return ["A", "B"].compactMap { name in
            lines[name].flatMap { line in IPv4Address(line.group).map { Endpoint($0, line.port) } }
        }
    }
}

public struct LineConfiguration: Codable, Sendable, Equatable {
    public var group: String
    public var port: UInt16
    /// Local interface address to join on (live mode).
    public var interface: String?
    /// Source address for a source-specific join (live mode).
    public var source: String?

    public init(group: String, port: UInt16, interface: String? = nil, source: String? = nil) {
        self.group = group
        self.port = port
        self.interface = interface
        self.source = source
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "(top level)" : p)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "\(at == "(top level)" ? "" : at + ": ")missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
