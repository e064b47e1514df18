public import Foundation

/// Reading a venue's reference data file (ICE- and SHFE-style captures): every problem is one
/// line naming the file and, for JSON errors, the key.
public enum ReferenceFile {
    public static func read(path: String) throws(ConfigurationError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigurationError("cannot read reference data \(path): \((error as NSError).localizedDescription)")
        }
    }

    public static func decode<T: Decodable>(_: T.Type, from data: Data, name: String) throws(ConfigurationError) -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch let error as DecodingError {
            throw ConfigurationError("reference data \(name): \(ConfigurationError.describe(error))")
        } catch {
            throw ConfigurationError("reference data \(name): \(error)")
        }
    }
}
