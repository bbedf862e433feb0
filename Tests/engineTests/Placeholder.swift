import Testing

@Test func placeholder_engineTests() { #expect(Bool(true)) }
