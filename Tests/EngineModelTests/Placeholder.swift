import Testing

@Test func placeholder_EngineModelTests() { #expect(Bool(true)) }
