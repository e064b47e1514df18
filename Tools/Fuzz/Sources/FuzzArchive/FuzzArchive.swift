import ComputeFeed
import FuzzSupport

/// libFuzzer entry point for the archive reader: every input is a whole archive file. It is
/// indexed (footer or scan), verified, and every frame decompressed and walked, damaged frames
/// skipped. Anything but a clean return (a crash, an out-of-bounds read under ASan) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let file = try? ArchiveFile(copying: UnsafeRawBufferPointer(start: data, count: size), name: "input") else { return 0 }
    _ = ArchiveMaintenance.verify(file)
    _ = try? file.ledger(skipDamaged: true)
    _ = try? file.metadata()
    let reader = FrameReader()
    var sum: UInt64 = 0
    for entry in file.frames {
        try? reader.forEachRecord(of: entry, in: file) { sum &+= $0.indexTimestamp &+ UInt64($0.instrumentID) }
    }
    return sum == 42 ? 1 : 0
}

@_cdecl("FuzzArchive_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { fuzzArchive($0, $1) }
}
