import Testing

@Test func placeholder_CEngineShmTests() { #expect(Bool(true)) }
