public import TickFormat

/// The record schemas a run builds. Handlers build only what is selected: a top-of-book strategy
/// does not pay for 368-byte MBP-10 records (DESIGN.md, Principles). Books are maintained always.
public struct SchemaSelection: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable public static var mbo: SchemaSelection { SchemaSelection(rawValue: 1 << 0) }
    @inlinable public static var mbp1: SchemaSelection { SchemaSelection(rawValue: 1 << 1) }
    @inlinable public static var mbp10: SchemaSelection { SchemaSelection(rawValue: 1 << 2) }
    @inlinable public static var trades: SchemaSelection { SchemaSelection(rawValue: 1 << 3) }
    @inlinable public static var definition: SchemaSelection { SchemaSelection(rawValue: 1 << 4) }
    @inlinable public static var status: SchemaSelection { SchemaSelection(rawValue: 1 << 5) }
    @inlinable public static var statistics: SchemaSelection { SchemaSelection(rawValue: 1 << 6) }
    /// In-stream SystemMsg records: gaps, recoveries, stale/clean transitions.
    @inlinable public static var system: SchemaSelection { SchemaSelection(rawValue: 1 << 7) }

    public static let all: SchemaSelection = [.mbo, .mbp1, .mbp10, .trades, .definition, .status, .statistics, .system]

    /// Databento schema names as used on the command line, plus `system`.
    public static let names: [(String, SchemaSelection)] = [
        ("mbo", .mbo), ("mbp-1", .mbp1), ("mbp-10", .mbp10), ("trades", .trades), ("definition", .definition),
        ("status", .status), ("statistics", .statistics), ("system", .system),
    ]

    /// Parses `mbp-10,trades`; nil names the first unknown schema.
    public static func parse(_ list: String) -> Result<SchemaSelection, SchemaNameError> {
        var selection: SchemaSelection = []
        for part in list.split(separator: ",") {
            let name = part.filter { $0 != " " }
            if name.isEmpty { continue }
            guard let hit = names.first(where: { $0.0 == name }) else { return .failure(SchemaNameError(name: name)) }
            selection.insert(hit.1)
        }
        return .success(selection)
    }

    /// Whether a record with this rtype belongs to the selection.
    public func includes(_ rtype: RType) -> Bool {
        switch rtype {
        case .mbo: contains(.mbo)
        case .mbp1: contains(.mbp1)
        case .mbp10: contains(.mbp10)
        case .mbp0: contains(.trades)
        case .instrumentDef: contains(.definition)
        case .status: contains(.status)
        case .statistics: contains(.statistics)
        case .system, .error: contains(.system)
        default: true
        }
    }
}

public struct SchemaNameError: Error, CustomStringConvertible {
    public let name: String
    public var description: String {
        "unknown schema '\(name)' (known: \(SchemaSelection.names.map(\.0).joined(separator: ", ")))"
    }
}
