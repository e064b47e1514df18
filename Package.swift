// swift-tools-version: 6.1
// ComputeFeed: a feed handler for AI-compute futures. See README.md and ../shared/DESIGN.md.
import PackageDescription

/// Release builds of the hot paths need cross-module specialization; these settings apply everywhere.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "ComputeFeed",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ComputeFeed", targets: ["ComputeFeed"]),
        .executable(name: "cfeed", targets: ["cfeed"]),
        .executable(name: "midspread", targets: ["MidSpread"]),
        .library(name: "ExchangeSim", targets: ["ExchangeSim"]),
        .library(name: "TickRing", targets: ["TickRing"]),
        .library(name: "TickArchive", targets: ["TickArchive"]),
        .library(name: "VenueICE", targets: ["VenueICE"]),
        .library(name: "VenueSHFE", targets: ["VenueSHFE"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // System libraries (Debian: libpcap-dev, liblz4-dev; Tools/setup installs them).
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),

        // DBN v3 records, metadata, encoder and decoder.
        // Kernel-facing socket calls (recvmmsg, control messages) that need _GNU_SOURCE.
        .target(name: "CNetShim"),
        // Buffered file reading and writing with errors a person can read.
        .target(name: "ByteIO", swiftSettings: strictSwift),
        .target(name: "TickFormat", dependencies: ["ByteIO"], swiftSettings: strictSwift),
        // pcap / pcapng reading (libpcap) and writing; link-layer, IPv4 and UDP parsing.
        .target(name: "PacketCapture", dependencies: ["CPcap", "ByteIO"], swiftSettings: strictSwift),
        // CME-style MDP 3.0: wire codec, books, normalization, snapshot recovery.
        .target(name: "VenueCME", dependencies: ["TickFormat", "PacketCapture", "FeedEngine"], swiftSettings: strictSwift),
        // ICE-style iMpact: big-endian wire codec, full-order-depth books, snapshot-channel recovery.
        .target(name: "VenueICE", dependencies: ["TickFormat", "PacketCapture", "FeedEngine"], swiftSettings: strictSwift),
        // SHFE-style MIRP: zigzag-LEB128 varint TLV codec (MDQP recovery to come).
        .target(name: "VenueSHFE", dependencies: ["TickFormat", "PacketCapture", "FeedEngine"], swiftSettings: strictSwift),
        // Venue-agnostic sequencing: lines, arbitration, gaps, sources, output.
        .target(name: "FeedEngine", dependencies: ["ByteIO", "TickFormat", "PacketCapture", "CNetShim"], swiftSettings: strictSwift),
        // Lock-free rings: broadcast (one producer, many subscribers) and SPSC, wait strategies.
        .target(name: "TickRing", dependencies: [.product(name: "Atomics", package: "swift-atomics")],
                swiftSettings: strictSwift),
        // LZ4 tick archives: writer (a ring subscriber), reader, repair, queries. Format: Sources/TickArchive/ARCHIVE-FORMAT.md.
        .target(name: "TickArchive", dependencies: ["TickFormat", "CLZ4", "TickRing",
                                                    .product(name: "Atomics", package: "swift-atomics")],
                exclude: ["ARCHIVE-FORMAT.md"], swiftSettings: strictSwift),
        // Simulated markets: order flow, the true book and trade tape, encoded packets on lines A/B.
        .target(name: "ExchangeSim", dependencies: ["TickFormat", "PacketCapture", "FeedEngine", "VenueCME", "VenueICE", "VenueSHFE"],
                swiftSettings: strictSwift),
        // The umbrella library strategies import.
        .target(name: "ComputeFeed", dependencies: ["TickFormat", "PacketCapture", "FeedEngine", "VenueCME", "VenueICE", "VenueSHFE", "TickRing", "TickArchive",
                                                  .product(name: "Atomics", package: "swift-atomics")], swiftSettings: strictSwift),
        // The command-line tool's commands, as a library so tests can call them.
        .target(
            name: "CFeedCommands",
            dependencies: [
                "ComputeFeed", "ExchangeSim", "FeedEngine", "VenueCME", "VenueICE", "VenueSHFE", "TickArchive", "TickRing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSwift),
        .executableTarget(name: "cfeed", dependencies: ["CFeedCommands"], swiftSettings: strictSwift),
        // An example strategy on the public API: mid-price and spread per contract.
        .executableTarget(name: "MidSpread", dependencies: ["ComputeFeed"], path: "Sources/MidSpread",
                          swiftSettings: strictSwift),

        .target(name: "TestSupport", dependencies: ["TickFormat", "PacketCapture", "FeedEngine"], path: "Tests/Support",
                swiftSettings: strictSwift),
        .testTarget(name: "TickFormatTests", dependencies: ["TickFormat", "TestSupport", "CLZ4"],
                    swiftSettings: strictSwift),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "TestSupport"],
                    swiftSettings: strictSwift),
        .testTarget(name: "VenueCMETests", dependencies: ["VenueCME", "ExchangeSim", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "VenueICETests", dependencies: ["VenueICE", "ExchangeSim", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "VenueSHFETests", dependencies: ["VenueSHFE", "ExchangeSim", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "TickArchiveTests", dependencies: ["TickArchive", "TestSupport", "CLZ4", "TickRing"], swiftSettings: strictSwift),
        .testTarget(name: "TickRingTests", dependencies: ["TickRing"], swiftSettings: strictSwift),
        .testTarget(name: "FeedEngineTests", dependencies: ["FeedEngine", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(name: "LiveTests", dependencies: ["ComputeFeed", "ExchangeSim", "TickArchive"], swiftSettings: strictSwift),
        .testTarget(name: "CFeedTests", dependencies: ["CFeedCommands", "TestSupport", "FeedEngine", "TickArchive", "ComputeFeed"],
                    swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6]
)
