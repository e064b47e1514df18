import Foundation
import PacketCapture
import Testing
@testable import FeedEngine

@Suite struct ConfigurationTests {
    func load(_ json: String) throws(ConfigurationError) -> FeedConfiguration {
        let path = NSTemporaryDirectory() + "/cfeed-config-\(UUID().uuidString).json"
        try? Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try FeedConfiguration.load(path: path)
    }

    @Test func theFullShapeLoads() throws {
        let config = try load("""
            {"settings": {"ring_bytes": 1048576, "receive_buffer_bytes": 8388608},
             "venues": [{"venue": "cme", "channels": [{"id": 410, "feeds": {
               "incremental": {"A": {"group": "232.31.1.10", "port": 31410, "interface": "127.0.0.1", "source": "127.0.0.1"},
                               "B": {"group": "239.31.2.10", "port": 32410}}}}]}]}
            """)
        #expect(config.settings?.ringBytes == 1_048_576)
        #expect(config.settings?.receiveBufferBytes == 8_388_608)
        let channel = try #require(config.venue("cme")?.channels?.first)
        #expect(channel.endpoints("incremental") == [Endpoint("232.31.1.10:31410")!, Endpoint("239.31.2.10:32410")!])
        #expect(channel.sources == [Endpoint("232.31.1.10:31410")!: IPv4Address("127.0.0.1")!])
        #expect(channel.endpoints("snapshot") == nil)
    }

    @Test(arguments: [
        ("{\"venues\": [{\"venue\": \"nyse\"}]}", "unknown venue 'nyse'"),
        ("{\"venues\": 3}", "venues"),
        ("not json", "not valid JSON"),
        ("{\"settings\": {\"ring_bytes\": 1000}, \"venues\": []}", "ring_bytes: 1000 must be a power of two"),
        ("{\"venues\": [{\"venue\": \"cme\", \"channels\": [{\"id\": 1, \"feeds\": {\"incremental\": {\"A\": {\"group\": \"x\", \"port\": 1}}}}]}]}", "is not an IPv4 address"),
        ("{\"venues\": [{\"venue\": \"cme\", \"channels\": [{\"id\": 1, \"feeds\": {\"incremental\": {\"A\": {\"group\": \"239.1.1.1\", \"port\": 1, \"source\": \"nope\"}}}}]}]}", "source: 'nope'"),
    ])
    func badConfigsAreNamedErrors(json: String, expected: String) {
        do {
            _ = try load(json)
            Issue.record("\(json) loaded")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
