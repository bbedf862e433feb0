import Testing

@Test func placeholder_EngineKitTests() { #expect(Bool(true)) }
