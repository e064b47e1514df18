public import ArgumentParser
import Glibc

/// The `cfeed` command-line tool: one binary for operations and quants.
public struct CFeed: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cfeed",
        abstract: "ComputeFeed: market-data feed handler for AI-compute futures (CME-, ICE- and SHFE-style feeds).",
        discussion: """
            Exit codes: \(ExitStatus.allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ")).
            """,
        version: "0.1.0",
        subcommands: [Inspect.self, Replay.self, Simulate.self, Run.self, Query.self, ArchiveCommand.self])

    public init() {}

    /// Runs the command line; every failure becomes one line on stderr and a documented exit code.
    public static func main(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(ExitStatus.success.rawValue)
        } catch let failure as CLIFailure {
            printError("cfeed: error: \(failure.message)")
            Glibc.exit(failure.status.rawValue)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            // Parsing and validation errors: ArgumentParser prints them with usage; its code is 64.
            exit(withError: error)
        }
    }
}

/// Writes one line to standard error (unbuffered, so it never interleaves oddly with stdout).
func printError(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
}
