public import ArgumentParser
import ComputeFeed
import FeedEngine
import PacketCapture
import VenueSHFE
import Foundation
import Glibc
import Histogram
import TickArchive

/// `cfeed run --config FILE`: the live handler, for any of the three venues.
public struct Run: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run the live feed handler on multicast: print per-line rates, gaps, recoveries, kernel drops and subscriber lag.",
        discussion: "Stops cleanly on SIGINT or SIGTERM (or after --duration), flushing what it holds.")

    @Option(help: "JSON configuration: the venue's channel, its groups and interfaces, and (ice, shfe) its reference data (see README).")
    var config: String

    @Option(help: "The venue of the configuration to run: cme, ice or shfe (needed only when it lists several).")
    var venue: String?

    /// (Without "reference" in the configuration, the SHFE reference data come from the server too.)
    @OptionGroup var mdqpOptions: MDQPOptions

    @Option(help: "Seconds between status lines.")
    var statsInterval: Double = 5

    @Option(name: .customLong("metrics-file"), help: "Also write the counters in Prometheus text format to this file (node_exporter textfile collector), every interval.")
    var metricsFile: String?

    @Option(help: "Also record every raw datagram, with its kernel timestamp, into a pcap file in this directory.")
    var record: String?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @OptionGroup var archiveOptions: ArchiveOptions

    @Flag(help: "Measure ts_recv (kernel receive time) to subscriber-callback latency in an HDR histogram and print p50/p99/p99.9/max.")
    var latency = false

    public init() {}

    public func validate() throws {
        if let venue, !["cme", "ice", "shfe"].contains(venue) { throw ValidationError("unknown --venue '\(venue)' (cme, ice, shfe)") }
    }

    public func run() throws {
        let loaded: FeedConfiguration
        do { loaded = try FeedConfiguration.load(path: config) } catch { throw CLIFailure(.usage, error.description) }
        let feed: FeedHandler
        do { feed = try FeedHandler(configuration: loaded, venue: venue, mdqp: mdqpOptions.client) } catch {
            throw CLIFailure(.usage, "config \(config): \(error)")
        }
        let interface = feed.settings.interface
        let venueName = feed.settings.venue.name
        // The channel in recording names: its configured id, else the built-in one (ICE's full-order-depth channel has no number).
        let builtInChannel = switch feed.settings.venue { case .cme: "410"; case .ice: "fod"; case .shfe: "\(SHFEMapping.defaultTopicID)" }
        let channelID = loaded.venue(venueName)?.channels?.first.map { "\($0.id)" } ?? builtInChannel

        var recorder: PcapWriter?
        if let record {
            let stamp = Timestamps.iso8601(UInt64(Date().timeIntervalSince1970 * 1e9)).prefix(19).replacingOccurrences(of: ":", with: "")
            let path = "\(record)/cfeed-\(venueName)-\(channelID)-\(stamp).pcap"
            do { recorder = try PcapWriter(path: path) } catch { throw CLIFailure(.cannotCreateOutput, "\(error)") }
        }
        StopSignal.install()

        // The archive writer never holds the live feed back: records it cannot keep are marked as an archive gap.
        let archiver: ArchiveRecorder?
        do {
            archiver = try archiveOptions.archive.map { (directory) throws(ArchiveError) in
                try feed.recordArchive(directory: directory, settings: archiveOptions.settings, policy: .lossy)
            }
        } catch {
            throw CLIFailure(error.kind == .invalidArgument ? .usage : .cannotCreateOutput, error.description)
        }
        // The CLI's own subscriber: it measures how far behind the feed a reader runs.
        let watcher = feed.subscribe(schemas: [.mbp1, .trades, .system], policy: .lossy)
        let metricsPath = metricsFile
        let started = Date()
        var lastStatus: FeedHandler.LiveStatus?
        var recordError: (any Error)?
        let stopper = Thread { [duration] in
            while !StopSignal.received && (duration.map { Date().timeIntervalSince(started) < $0 } ?? true) && archiver?.hasFailed != true {
                usleep(20_000)
            }
            feed.requestStop()
        }
        stopper.start()
        let latencyProbe = latency ? LatencyProbe(subscription: feed.subscribe(schemas: [.mbp1, .trades, .mbo, .mbp10], policy: .lossy)) : nil
        latencyProbe?.start()
        do {
            try feed.runLive(tap: { datagram in
                guard recordError == nil, let recorder else { return }
                do { try recorder.writeUDP(timestampNs: datagram.timestampNs, source: datagram.source,
                                           destination: datagram.destination, payload: datagram.payload) } catch { recordError = error }
            }, reportEvery: UInt64(statsInterval * 1e9), report: { status in
                if lastStatus == nil {
                    // The first report comes right after the joins.
                    printError("joined \(status.streams.count) groups on \(interface)")
                    let short = status.streams.filter { $0.grantedBuffer < feed.settings.receiveBufferBytes }
                    if let least = short.map(\.grantedBuffer).min() {
                        printError("cfeed: warning: the kernel granted only \(least) of the \(feed.settings.receiveBufferBytes) bytes of receive buffer asked, on \(short.count) of \(status.streams.count) groups; raise net.core.rmem_max")
                    }
                    lastStatus = status
                    return
                }
                _ = watcher.poll { _ in }
                let lag = feed.ring.recordsWritten &- (watcher.subscriber.expected == .max ? feed.ring.recordsWritten : watcher.subscriber.expected)
                printError(Self.statusLine(status, previous: lastStatus, lag: lag) + (latencyProbe.map { "; " + $0.summary() } ?? "")
                           + (archiver.map { "; archive lost \($0.recordsLost) records" } ?? ""))
                if let metricsPath { Self.writeMetrics(status, lag: lag, to: metricsPath) }
                lastStatus = status
            })
        } catch {
            throw CLIFailure(.usage, error.description)
        }
        latencyProbe?.stop()
        if let latencyProbe { printError("latency ts_recv -> subscriber: " + latencyProbe.summary()) }
        if let archiver {
            do { try archiver.finish() } catch { throw CLIFailure(error) }
            printError("archive: \(archiver.writer.recordsWritten) records in \(archiver.writer.paths.joined(separator: ", "))"
                       + (archiver.recordsLost > 0 ? "; \(archiver.recordsLost) records could not be kept (marked as archive gaps)" : ""))
        }
        do { try recorder?.close() } catch { throw CLIFailure(.ioError, "\(error)") }
        if let recordError { throw CLIFailure(.ioError, "recording stopped: \(recordError)") }
    }

    static func statusLine(_ s: FeedHandler.LiveStatus, previous: FeedHandler.LiveStatus?, lag: UInt64) -> String {
        let seconds = previous.map { Double(s.wallNs &- $0.wallNs) / 1e9 } ?? 0
        let lines = s.streams.map { stream -> String in
            let before = previous?.streams.first { $0.group == stream.group }?.datagrams ?? 0
            let rate = seconds > 0 ? Double(stream.datagrams - before) / seconds : 0
            return "\(stream.feed)/\("AB".map(String.init)[min(stream.line, 1)]) \(String(format: "%.0f", rate))/s drops \(stream.kernelDrops)"
        }.joined(separator: ", ")
        return "\(Timestamps.iso8601(s.wallNs).prefix(19))Z \(lines); gaps \(s.gaps) lost \(s.lostPackets), recoveries \(s.recoveries), stale \(s.staleInstruments.count), records \(s.recordsPublished), subscriber lag \(lag)"
    }

    static func writeMetrics(_ s: FeedHandler.LiveStatus, lag: UInt64, to path: String) {
        var text = "# HELP cfeed_datagrams_total Datagrams received per feed and line.\n# TYPE cfeed_datagrams_total counter\n"
        for stream in s.streams {
            let labels = "feed=\"\(stream.feed)\",line=\"\(stream.line == 0 ? "A" : "B")\",group=\"\(stream.group)\""
            text += "cfeed_datagrams_total{\(labels)} \(stream.datagrams)\n"
        }
        text += "# HELP cfeed_kernel_drops_total Datagrams the kernel dropped (SO_RXQ_OVFL).\n# TYPE cfeed_kernel_drops_total counter\n"
        for stream in s.streams {
            text += "cfeed_kernel_drops_total{feed=\"\(stream.feed)\",line=\"\(stream.line == 0 ? "A" : "B")\"} \(stream.kernelDrops)\n"
        }
        text += "# HELP cfeed_only_this_line_total Packets only this line delivered.\n# TYPE cfeed_only_this_line_total counter\n"
        for (i, line) in s.sequencedLines.enumerated() {
            text += "cfeed_only_this_line_total{feed=\"\(s.sequencedFeed)\",line=\"\(i == 0 ? "A" : "B")\"} \(line.onlyThisLine)\n"
        }
        text += "# TYPE cfeed_gaps_total counter\ncfeed_gaps_total \(s.gaps)\n"
        text += "# TYPE cfeed_lost_packets_total counter\ncfeed_lost_packets_total \(s.lostPackets)\n"
        text += "# TYPE cfeed_recoveries_total counter\ncfeed_recoveries_total \(s.recoveries)\n"
        text += "# TYPE cfeed_stale_instruments gauge\ncfeed_stale_instruments \(s.staleInstruments.count)\n"
        text += "# TYPE cfeed_records_published_total counter\ncfeed_records_published_total \(s.recordsPublished)\n"
        text += "# TYPE cfeed_subscriber_lag_records gauge\ncfeed_subscriber_lag_records \(lag)\n"
        // Write then rename, so the collector never reads half a file.
        let temporary = path + ".tmp"
        if (try? Data(text.utf8).write(to: URL(fileURLWithPath: temporary))) != nil { rename(temporary, path) }
    }
}

/// A subscriber on its own thread that records, for every book and trade record, the time from the
/// kernel's receive timestamp (`ts_recv`, CLOCK_REALTIME) to the subscriber's callback.
final class LatencyProbe: @unchecked Sendable {
    private let subscription: Subscription
    private let lock = NSLock()
    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    private var running = true
    private var thread: Thread?

    init(subscription: Subscription) { self.subscription = subscription }

    func start() {
        let t = Thread { [self] in
            while lock.withLock({ running }) {
                subscription.poll { record in
                    let tsRecv = record.indexTimestamp
                    var now = timespec()
                    clock_gettime(CLOCK_REALTIME, &now)
                    let ns = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
                    if ns > tsRecv { lock.withLock { _ = histogram.record(ns - tsRecv) } }
                }
                subscription.waitForData(timeout: .milliseconds(20))
            }
        }
        thread = t
        t.start()
    }

    func stop() {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(1000) }
    }

    func summary() -> String {
        lock.withLock {
            guard histogram.totalCount > 0 else { return "latency: no records yet" }
            func us(_ ns: UInt64) -> String { String(format: "%.1f", Double(ns) / 1000) }
            return "latency µs p50 \(us(histogram.valueAtPercentile(50))) p99 \(us(histogram.valueAtPercentile(99))) "
                + "p99.9 \(us(histogram.valueAtPercentile(99.9))) max \(us(histogram.max)) (n \(histogram.totalCount))"
        }
    }
}
