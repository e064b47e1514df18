// swift-tools-version: 6.1
// ComputeFeed benchmarks: a separate package so that CI's build of the main package does not pay
// for them. Run them with Tools/bench. Each benchmark prints a ratio against a baseline measured in
// the same run (a C loop, memcpy, the lz4 CLI), because this shared 2-core machine is noisy.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let package = Package(
    name: "ComputeFeedBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: root.path),
                   .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0")],
    targets: [
        .target(name: "CBaselines", dependencies: [.product(name: "ComputeFeed", package: root.lastPathComponent)],
                cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("pcap"), .linkedLibrary("lz4")]),
        .executableTarget(
            name: "Bench",
            dependencies: ["CBaselines", .product(name: "ComputeFeed", package: root.lastPathComponent),
                           .product(name: "ExchangeSim", package: root.lastPathComponent),
                           .product(name: "TickRing", package: root.lastPathComponent),
                           .product(name: "TickArchive", package: root.lastPathComponent),
                           .product(name: "VenueICE", package: root.lastPathComponent),
                           .product(name: "VenueSHFE", package: root.lastPathComponent),
                           .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: [.unsafeFlags(["-wmo"])]),
    ],
    swiftLanguageModes: [.v6]
)
