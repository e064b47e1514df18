import Glibc

/// The archive files of a directory (`DIR/<venue>/<YYYY-MM-DD>[.n].dbn.lz4`).
public enum ArchiveCatalog {
    /// Venue subdirectories that hold archive files, sorted.
    public static func venues(in directory: String) throws(ArchiveError) -> [String] {
        try entries(of: directory).filter { !(try? files(in: directory, venue: $0))!.isEmpty }.sorted()
    }

    /// Paths of a venue's files, in day order (parts of a day after the day's first file).
    public static func files(in directory: String, venue: String) throws(ArchiveError) -> [String] {
        let folder = "\(directory)/\(venue)"
        guard isDirectory(folder) else { return [] }
        let names = try entries(of: folder).filter { $0.hasSuffix(ArchiveNaming.suffix) }
        return names.sorted { dayAndPart($0) < dayAndPart($1) }.map { "\(folder)/\($0)" }
    }

    /// Sort key: the day string, then the part number (0 for the day's first file).
    static func dayAndPart(_ name: String) -> (String, Int) {
        let stem = name.dropLast(ArchiveNaming.suffix.count)
        let pieces = stem.split(separator: ".")
        return (String(pieces.first ?? ""), pieces.count > 1 ? Int(pieces[1]) ?? 0 : 0)
    }

    static func isDirectory(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0 && s.st_mode & S_IFMT == S_IFDIR
    }

    static func entries(of directory: String) throws(ArchiveError) -> [String] {
        guard let dir = opendir(directory) else { throw .system("open directory", directory, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
