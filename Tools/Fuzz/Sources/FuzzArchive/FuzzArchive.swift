import ComputeFeed

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

/// SwiftPM links an executable target's entry point as `<Target>_main`; it hands over to libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzArchive_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzArchive($0, $1) }
}
