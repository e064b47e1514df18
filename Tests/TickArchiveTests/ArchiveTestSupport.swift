import Foundation
import TestSupport
import TickFormat
@testable import TickArchive

/// Writes records into DIR/cme with small frames; returns the files written.
@discardableResult
func writeArchive(_ records: [[UInt8]], directory: String, frameBytes: Int = 4096) throws -> [String] {
    let writer = try ArchiveWriter(directory: directory, venue: "cme", dataset: "CF.CME.MDP3",
                                   settings: ArchiveSettings(frameBytes: frameBytes, sync: .onClose))
    for r in records { try r.withUnsafeBytes { try writer.append(RecordView(unchecked: $0)) } }
    try writer.close()
    return writer.paths
}

/// Every record of a file, through the index, in order (damaged frames skipped when asked).
func readAll(_ file: ArchiveFile, skipDamaged: Bool = false) throws -> [[UInt8]] {
    let reader = FrameReader()
    var out: [[UInt8]] = []
    for entry in file.frames {
        do { try reader.forEachRecord(of: entry, in: file) { out.append(Array($0.bytes)) } } catch {
            if skipDamaged && error.kind == .damaged { continue }
            throw error
        }
    }
    return out
}

func fileBytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }
func writeBytes(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
