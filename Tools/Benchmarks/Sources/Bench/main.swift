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

TickFormatBenchmarks.run(&harness)
PacketCaptureBenchmarks.run(&harness)
harness.printTable()
