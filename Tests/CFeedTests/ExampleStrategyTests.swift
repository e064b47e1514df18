import Foundation
import Testing
import TestSupport

/// The example strategy (`midspread`) runs on the bundled capture, and its last mid and spread per
/// contract agree with the simulator's final books.
@Suite struct ExampleStrategyTests {
    @Test func midSpreadEndsOnTheTrueBooks() throws {
        let binary = URL(fileURLWithPath: TestPaths.cfeed).deletingLastPathComponent().appendingPathComponent("midspread").path
        let result = try run(binary, [TestPaths.packageRoot + "/Captures/cme-sample.pcap"])
        #expect(result.status == 0, "\(result.stderr)")
        var last: [String: (mid: String, spread: String)] = [:]
        for line in result.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 6 else { continue }
            last[String(f[1])] = (String(f[3]), String(f[5]))
        }
        #expect(last.count == 8)
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(
            fileURLWithPath: TestPaths.packageRoot + "/Captures/cme-sample.truth.json"))) as? [String: Any])
        let books = try #require(truth["final_books"] as? [String: [String: Any]])
        let names = try #require(truth["instruments"] as? [String: String])
        for (id, book) in books {
            let bids = book["bids"] as? [[String: Any]] ?? [], asks = book["asks"] as? [[String: Any]] ?? []
            // Decimal strings to 1e-9 integers, then the example's own arithmetic and formatting.
            func nanos(_ text: String?) -> Int64? {
                guard let text, let dot = text.firstIndex(of: ".") else { return text.flatMap(Int64.init).map { $0 * 1_000_000_000 } }
                let fraction = String(text[text.index(after: dot)...]).padding(toLength: 9, withPad: "0", startingAt: 0)
                guard let whole = Int64(text[..<dot]), let part = Int64(fraction) else { return nil }
                return whole * 1_000_000_000 + part
            }
            guard let bid = nanos(bids.first?["price"] as? String), let ask = nanos(asks.first?["price"] as? String),
                  let name = names[id] else { continue }
            #expect(last[name]?.mid == String(format: "%.3f", Double((bid + ask) / 2) / 1e9), "\(name)")
            #expect(last[name]?.spread == String(format: "%.3f", Double(ask - bid) / 1e9), "\(name)")
        }
    }
}
