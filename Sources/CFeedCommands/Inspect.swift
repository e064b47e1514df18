public import ArgumentParser
import Foundation
import PacketCapture
import TickFormat

/// `cfeed inspect FILE`: what a capture holds, for operations.
public struct Inspect: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Summarise a pcap/pcapng capture: packets, datagrams, time span, per-group traffic, skipped frames.")

    @Argument(help: "The capture file (pcap or pcapng).")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Exit with code 65 if any frame was skipped (truncated, not IP/UDP, fragment, bad header).")
    var strict = false

    public init() {}

    public func run() throws {
        let summary: CaptureSummary
        do {
            summary = try CaptureSummary.scan(path: file)
        } catch {
            throw CLIFailure(.unreadableInput, error.description)
        }
        print(json ? InspectReport(summary).jsonText() : Self.text(summary), terminator: "")
        if strict && summary.skipped.total > 0 {
            throw CLIFailure(.dataQuality, "\(summary.skipped.total) of \(summary.packets) frames were skipped (--strict)")
        }
    }

    static func text(_ s: CaptureSummary) -> String {
        func n(_ v: Int) -> String { v.formatted(.number.grouping(.automatic)) }
        var out = ""
        out += "capture        \(s.path) (\(s.linkType))\n"
        out += "packets        \(n(s.packets))\n"
        out += "udp datagrams  \(n(s.udpDatagrams)) (\(n(s.payloadBytes)) payload bytes)\n"
        out += "bytes          \(n(s.capturedBytes)) captured\n"
        out += "first          \(s.firstTimestampNs.map(Timestamps.iso8601) ?? "-")\n"
        out += "last           \(s.lastTimestampNs.map(Timestamps.iso8601) ?? "-")\n"
        out += "duration       \(String(format: "%.6f", Double(s.durationNs) / 1e9)) s\n"
        out += "destinations   \(s.destinations.count)\n"
        if !s.destinations.isEmpty {
            let rows = s.destinations.map { d in
                [d.endpoint.description, n(d.datagrams), n(d.bytes), String(format: "%.1f", d.meanRatePerSecond),
                 n(d.peakPerSecond)]
            }
            out += table(header: ["group:port", "datagrams", "bytes", "mean/s", "peak/s"], rows: rows, indent: "  ")
        }
        out += "skipped        \(n(s.skipped.total))\n"
        for reason in SkipReason.allCases where s.skipped[reason] > 0 {
            out += "  \(reason.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))\(n(s.skipped[reason]))\n"
        }
        return out
    }
}

/// The JSON shape of `cfeed inspect --json`.
struct InspectReport: Encodable {
    struct Destination: Encodable {
        var group: String
        var port: UInt16
        var datagrams: Int
        var bytes: Int
        var first_ts_ns: UInt64
        var last_ts_ns: UInt64
        var mean_rate_per_sec: Double
        var peak_per_sec: Int
    }
    var file: String
    var link_type: String
    var packets: Int
    var udp_datagrams: Int
    var bytes: Int
    var payload_bytes: Int
    var first_ts_ns: UInt64?
    var last_ts_ns: UInt64?
    var duration_ns: UInt64
    var destinations: [Destination]
    var skipped: [String: Int]

    init(_ s: CaptureSummary) {
        file = s.path
        link_type = s.linkType.description
        packets = s.packets
        udp_datagrams = s.udpDatagrams
        bytes = s.capturedBytes
        payload_bytes = s.payloadBytes
        first_ts_ns = s.firstTimestampNs
        last_ts_ns = s.lastTimestampNs
        duration_ns = s.durationNs
        destinations = s.destinations.map {
            Destination(group: $0.endpoint.address.description, port: $0.endpoint.port, datagrams: $0.datagrams,
                        bytes: $0.bytes, first_ts_ns: $0.firstTimestampNs, last_ts_ns: $0.lastTimestampNs,
                        mean_rate_per_sec: ($0.meanRatePerSecond * 10).rounded() / 10, peak_per_sec: $0.peakPerSecond)
        }
        skipped = Dictionary(uniqueKeysWithValues: SkipReason.allCases.map { ($0.rawValue, s.skipped[$0]) })
    }

    func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// A plain text table with right-aligned numeric columns.
func table(header: [String], rows: [[String]], indent: String = "") -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    return all.map { row in
        indent + row.enumerated().map { c, cell in
            c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}
