// swift-tools-version: 6.1
// libFuzzer targets for ComputeFeed's decoders. Build and run with Tools/fuzz (see README there):
// the targets are compiled with -sanitize=fuzzer,address, so they live outside the main package.
import Foundation
import PackageDescription

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let package = Package(
    name: "ComputeFeedFuzz",
    dependencies: [.package(path: root.path)],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzCME",
            dependencies: ["FuzzSupport", .product(name: "ComputeFeed", package: root.lastPathComponent)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzICE",
            dependencies: ["FuzzSupport", .product(name: "ComputeFeed", package: root.lastPathComponent)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzSHFE",
            dependencies: ["FuzzSupport", .product(name: "ComputeFeed", package: root.lastPathComponent)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzArchive",
            dependencies: ["FuzzSupport", .product(name: "ComputeFeed", package: root.lastPathComponent)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
