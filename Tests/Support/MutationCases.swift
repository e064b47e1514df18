import Foundation

/// How many cases a mutation test runs: `CFEED_MUTATION_CASES`, else `debug` in debug builds and
/// `release` in release builds (Tools/test runs the mutation suites in release).
public enum MutationCases {
    public static func count(debug: Int, release: Int) -> Int {
        if let n = ProcessInfo.processInfo.environment["CFEED_MUTATION_CASES"].flatMap(Int.init) { return n }
        #if DEBUG
        return debug
        #else
        return release
        #endif
    }
}
