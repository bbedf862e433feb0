import EngineKit
import Testing

@Suite struct CoreSetTests {
    @Test(arguments: ["0", "0,1", " 1 , 0 "])
    func parsesValidLists(_ text: String) throws {
        #expect(try !CoreSet(parsing: text).cores.isEmpty)
    }

    @Test(arguments: ["", ",", "a", "0,,1", "1,1", "-1", "0;1", "1.5"])
    func rejectsMalformedLists(_ text: String) {
        #expect(throws: CoreError.invalidList(text)) { _ = try CoreSet(parsing: text) }
    }

    @Test func aCoreOutsideTheAllowedSetNamesTheUsableCores() throws {
        let allowed = CoreSet.allowed()
        #expect(!allowed.isEmpty)
        let missing = (allowed.max() ?? 0) + 1000
        let set = try CoreSet(parsing: "\(allowed[0]),\(missing)")
        #expect(throws: CoreError.notAllowed(core: missing, usable: allowed)) { try set.validate() }
        let message = CoreError.notAllowed(core: missing, usable: allowed).description
        #expect(message.contains("usable cores: " + allowed.map(String.init).joined(separator: ",")))
        try CoreSet(allowed).validate()
    }

    @Test func pinningToAMissingCoreThrows() throws {
        #expect(throws: CoreError.self) { try CoreSet.pinCurrentThread(to: 100_000) }
    }
}
