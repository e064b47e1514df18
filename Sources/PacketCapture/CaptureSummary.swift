/// What a capture holds, for operations: packet and datagram counts, the time span, traffic per
/// destination group:port (with mean and peak rates), and the frames skipped, by reason.
public struct CaptureSummary: Sendable, Equatable {
    public struct Destination: Sendable, Equatable {
        public var endpoint: Endpoint
        public var datagrams = 0
        /// UDP payload bytes.
        public var bytes = 0
        public var firstTimestampNs: UInt64 = 0
        public var lastTimestampNs: UInt64 = 0
        /// The most datagrams seen in one whole second of capture time.
        public var peakPerSecond = 0

        /// Mean datagrams per second over this destination's own span (0 for a single datagram).
        public var meanRatePerSecond: Double {
            let span = lastTimestampNs &- firstTimestampNs
            return span == 0 ? 0 : Double(datagrams - 1) * 1e9 / Double(span)
        }
    }

    public var path: String
    public var linkType: LinkType
    /// Frames read, usable or not.
    public var packets = 0
    public var udpDatagrams = 0
    /// Captured bytes of all frames.
    public var capturedBytes = 0
    /// UDP payload bytes of all datagrams.
    public var payloadBytes = 0
    public var firstTimestampNs: UInt64?
    public var lastTimestampNs: UInt64?
    public var destinations: [Destination] = []
    public var skipped = SkipCounts()

    public var durationNs: UInt64 {
        guard let first = firstTimestampNs, let last = lastTimestampNs, last >= first else { return 0 }
        return last - first
    }

    /// Reads the whole capture.
    public static func scan(path: String) throws(CaptureError) -> CaptureSummary {
        let reader = try PcapReader(path: path)
        var summary = CaptureSummary(path: path, linkType: reader.linkType)
        var index: [Endpoint: Int] = [:]
        var currentSecond: [Int: (second: UInt64, count: Int)] = [:]
        while let datagram = try reader.next() {
            summary.udpDatagrams += 1
            summary.payloadBytes += datagram.payload.count
            let i: Int
            if let known = index[datagram.destination] {
                i = known
            } else {
                i = summary.destinations.count
                index[datagram.destination] = i
                summary.destinations.append(Destination(endpoint: datagram.destination,
                                                        firstTimestampNs: datagram.timestampNs))
            }
            summary.destinations[i].datagrams += 1
            summary.destinations[i].bytes += datagram.payload.count
            summary.destinations[i].lastTimestampNs = datagram.timestampNs
            let second = datagram.timestampNs / 1_000_000_000
            var bucket = currentSecond[i] ?? (second, 0)
            if bucket.second != second { bucket = (second, 0) }
            bucket.count += 1
            currentSecond[i] = bucket
            summary.destinations[i].peakPerSecond = max(summary.destinations[i].peakPerSecond, bucket.count)
        }
        summary.packets = reader.packets
        summary.capturedBytes = reader.capturedBytes
        summary.firstTimestampNs = reader.firstTimestampNs
        summary.lastTimestampNs = reader.lastTimestampNs
        summary.skipped = reader.skipped
        summary.destinations.sort { $0.endpoint < $1.endpoint }
        return summary
    }
}
