public import ArgumentParser
import Foundation
import TickArchive
import TickFormat

/// `cfeed archive info|verify|repair PATH` and `cfeed archive list DIR`.
public struct ArchiveCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Inspect, verify and repair LZ4 tick archives, and list an archive directory.",
        discussion: "Archives are written by `cfeed replay --archive DIR` and `cfeed run --archive DIR`; the format is in Sources/TickArchive/ARCHIVE-FORMAT.md.",
        subcommands: [Info.self, Verify.self, Repair.self, List.self])

    public init() {}

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an archive file's index, time range, symbols, trading dates, gaps and stale periods.")
        @Argument(help: "The archive file (.dbn.lz4).") var path: String
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            let file: ArchiveFile
            do { file = try ArchiveFile(path: path) } catch { throw CLIFailure(error) }
            let ledger: ArchiveLedger
            do { ledger = try file.ledger(skipDamaged: true) } catch { throw CLIFailure(error) }
            let dataset = (try? file.metadata().dataset) ?? "?"
            let symbols = ledger.symbols.sorted { $0.value < $1.value }
            if json {
                var object: [String: Any] = [
                    "path": path, "dataset": dataset, "opened_via": file.openedVia.rawValue, "clean": file.isClean,
                    "stored_bytes": file.size, "record_bytes": file.contentBytes, "frames": file.frames.count,
                    "records": file.recordCount, "first_ts_recv": file.firstTsRecv.map(String.init) ?? NSNull(),
                    "last_ts_recv": file.lastTsRecv.map(String.init) ?? NSNull(),
                    "symbols": Dictionary(uniqueKeysWithValues: symbols.map { (String($0.key), $0.value) }),
                    "trading_dates": ledger.tradingDates.sorted(),
                    "gaps": ledger.gaps.map { ["ts_recv": String($0.tsRecv), "lost": $0.lost, "kind": $0.kind == .feed ? "feed" : "archive"] },
                    "stale_periods": ledger.allStalePeriods.map { ["instrument_id": $0.instrumentID, "start": String($0.start),
                                                                   "end": $0.end == undefTimestamp ? NSNull() : String($0.end) as Any] },
                    "damage": file.damage.map(\.description),
                ]
                if let torn = file.tornTail { object["torn_tail"] = ["offset": torn.offset, "bytes": torn.length] }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("\(path): \(file.isClean ? "clean" : "NOT CLEAN"), index from the \(file.openedVia == .footer ? "footer" : "frames (scan; no footer)")")
            let ratio = file.size > 0 ? Double(file.contentBytes) / Double(file.size) : 0
            print("  dataset \(dataset); \(file.frames.count) frames, \(file.recordCount) records; \(file.size) bytes stored, \(file.contentBytes) bytes of DBN (\(String(format: "%.1f", ratio))x)")
            if let first = file.firstTsRecv, let last = file.lastTsRecv {
                print("  ts_recv \(Timestamps.iso8601(first)) .. \(Timestamps.iso8601(last))")
            }
            print("  symbols (\(symbols.count)): " + symbols.map { "\($0.value)=\($0.key)" }.joined(separator: " "))
            print("  trading dates: " + (ledger.tradingDates.isEmpty ? "none stated" : ledger.tradingDates.sorted().map(String.init).joined(separator: " ")))
            let feedGaps = ledger.gaps.filter { $0.kind == .feed }, archiveGaps = ledger.gaps.filter { $0.kind == .archive }
            print("  gaps: \(feedGaps.count) in the feed (\(feedGaps.reduce(0) { $0 + $1.lost }) packets), \(archiveGaps.count) in the archive (\(archiveGaps.reduce(0) { $0 + $1.lost }) records not kept)")
            let periods = ledger.allStalePeriods
            print("  stale periods: \(periods.count)" + (periods.isEmpty ? "" : ": " + periods.prefix(20).map { p in
                "\(ledger.symbols[p.instrumentID] ?? String(p.instrumentID)) \(Timestamps.iso8601(p.start).suffix(19))..\(p.end == undefTimestamp ? "open" : String(Timestamps.iso8601(p.end).suffix(19)))"
            }.joined(separator: ", ") + (periods.count > 20 ? ", ..." : "")))
            if let torn = file.tornTail { print("  torn last frame at offset \(torn.offset) (\(torn.length) bytes): dropped") }
            for d in file.damage { print("  \(d)") }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decompress every frame, check every checksum and the index; exit 65 when anything is wrong.")
        @Argument(help: "The archive file (.dbn.lz4).") var path: String

        func run() throws {
            let file: ArchiveFile
            do { file = try ArchiveFile(path: path) } catch { throw CLIFailure(error) }
            let report = ArchiveMaintenance.verify(file)
            for problem in report.problems { printError("\(path): \(problem)") }
            guard report.isClean else {
                throw CLIFailure(.dataQuality, "\(path): \(report.problems.count) problems (\(report.framesChecked) frames, \(report.recordsChecked) records checked)")
            }
            print("\(path): OK, \(report.framesChecked) frames, \(report.recordsChecked) records")
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite an archive that lacks a footer, ends in a torn frame or has damaged frames, so that it verifies.",
            discussion: "Complete frames are kept byte for byte. A damaged frame in the middle stops the repair unless --skip-corrupt drops it.")
        @Argument(help: "The archive file (.dbn.lz4).") var path: String
        @Flag(name: .customLong("skip-corrupt"), help: "Drop damaged frames (reported) instead of refusing.") var skipCorrupt = false

        func run() throws {
            let report: ArchiveMaintenance.RepairReport
            do { report = try ArchiveMaintenance.repair(path: path, skipCorrupt: skipCorrupt) } catch { throw CLIFailure(error) }
            if report.alreadyClean { return print("\(path): already clean, \(report.framesKept) frames, \(report.recordsKept) records") }
            for dropped in report.framesDropped { printError("\(path): dropped \(dropped)") }
            print("\(path): repaired, kept \(report.framesKept) frames, \(report.recordsKept) records"
                  + (report.tornBytesDropped > 0 ? "; dropped a torn last frame of \(report.tornBytesDropped) bytes" : ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The catalog of an archive directory: venues, days, symbols, record counts, time ranges, gaps per file.")
        @Argument(help: "The archive directory.") var directory: String

        func run() throws {
            var rows: [[String]] = []
            do {
                guard FileManager.default.fileExists(atPath: directory) else { throw ArchiveError(.unreadable, "archive directory \(directory) does not exist") }
                for venue in try ArchiveCatalog.venues(in: directory) {
                    for path in try ArchiveCatalog.files(in: directory, venue: venue) {
                        let file = try ArchiveFile(path: path)
                        let ledger = try file.ledger(skipDamaged: true)
                        let name = String(path.split(separator: "/").last ?? "")
                        let range = file.firstTsRecv.map { "\(Timestamps.iso8601($0).prefix(19))..\(Timestamps.iso8601(file.lastTsRecv!).dropFirst(11).prefix(8))" } ?? "-"
                        rows.append([venue, String(name.prefix(10)), name, String(ledger.symbols.count), String(file.recordCount), range,
                                     String(ledger.gaps.count), file.isClean ? "clean" : (file.footer == nil ? "no footer" : "damaged")])
                    }
                }
            } catch let error as ArchiveError { throw CLIFailure(error) }
            if rows.isEmpty { return print("\(directory): no archive files") }
            print(table(header: ["venue", "day", "file", "symbols", "records", "ts_recv (UTC)", "gaps", "state"], rows: rows, indent: ""), terminator: "")
        }
    }
}
