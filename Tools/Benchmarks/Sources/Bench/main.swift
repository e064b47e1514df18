import CBaselines
import ComputeFeed
import Foundation

/// `Tools/bench`: every ComputeFeed benchmark, one table. `--repetitions N` (default 7).
var repetitions = 7
if let i = CommandLine.arguments.firstIndex(of: "--repetitions"), i + 1 < CommandLine.arguments.count {
    repetitions = Int(CommandLine.arguments[i + 1]) ?? 7
}
var harness = Harness(repetitions: repetitions)
let machine = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
    .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
print("ComputeFeed benchmarks: \(machine), \(ProcessInfo.processInfo.activeProcessorCount) cores, median of \(repetitions)\n")

/// `--filter WORD` runs only the benchmark groups whose name contains WORD (dbn, pcap, cme).
let filter = CommandLine.arguments.firstIndex(of: "--filter").flatMap {
    $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil
}
func selected(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }
if selected("dbn") { TickFormatBenchmarks.run(&harness) }
if selected("pcap") { PacketCaptureBenchmarks.run(&harness) }
if selected("cme") { CMEBenchmarks.run(&harness) }
if selected("ice") { ICEBenchmarks.run(&harness) }
if selected("shfe") { SHFEBenchmarks.run(&harness) }
if selected("ring") { RingBenchmarks.run(&harness) }
if selected("archive") { ArchiveBenchmarks.run(&harness) }
harness.printTable()
fflush(nil)  // every stream: the table is out before the live benchmarks start
if selected("live") { LiveLatencyBenchmarks.run(&harness) }
