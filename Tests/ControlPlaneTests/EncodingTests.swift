import ControlPlane
import Foundation
import Testing

@Suite struct EncodingTests {
    @Test func jsonIsSortedAndSafeInsideAPage() {
        let doc: JSONValue = ["b": [true, nil, -1, .double(2.5)], "a": "x</script>\"\n"]
        #expect(doc.jsonText == #"{"a":"x\u003c/script>\"\n","b":[true,null,-1,2.5]}"#)
        #expect(
            JSONValue(any: ["n": 3, "f": false, "s": "t", "d": 0.5] as [String: Any]) == [
                "n": 3, "f": false, "s": "t", "d": .double(0.5),
            ])
    }

    /// Bytes worked out by hand from the MessagePack specification.
    @Test func messagePackUsesTheSmallestEncodingOfEachValue() {
        let doc: JSONValue = ["a": 1, "b": [true, nil, -1, "x"]]
        #expect(doc.messagePack == [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x94, 0xc3, 0xc0, 0xff, 0xa1, 0x78])
        #expect(JSONValue.int(127).messagePack == [0x7f])
        #expect(JSONValue.int(128).messagePack == [0xcc, 0x80])
        #expect(JSONValue.int(-32).messagePack == [0xe0])
        #expect(JSONValue.int(-33).messagePack == [0xd0, 0xdf])
        #expect(JSONValue.int(65536).messagePack == [0xce, 0x00, 0x01, 0x00, 0x00])
        #expect(JSONValue.int(-40000).messagePack == [0xd2, 0xff, 0xff, 0x63, 0xc0])
        #expect(JSONValue.int(1 << 40).messagePack == [0xcf, 0, 0, 0x01, 0, 0, 0, 0, 0])
        #expect(JSONValue.double(1.5).messagePack == [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
        #expect(JSONValue.string(String(repeating: "z", count: 32)).messagePack.prefix(2) == [0xd9, 0x20])
        #expect(JSONValue.array(Array(repeating: .null, count: 16)).messagePack.prefix(3) == [0xdc, 0x00, 0x10])
    }

    @Test func tokensMatchOnlyWhole() {
        #expect(ControlToken.matches("abcdefghijklmnop", "abcdefghijklmnop"))
        #expect(!ControlToken.matches("abcdefghijklmno", "abcdefghijklmnop"))
        #expect(!ControlToken.matches("abcdefghijklmnopq", "abcdefghijklmnop"))
        #expect(!ControlToken.matches("", "abcdefghijklmnop"))
        #expect(!ControlToken.matches("abcdefghijklmnoP", "abcdefghijklmnop"))
    }

    @Test func tokenFilesAreMadePrivateAndReadOnlyWhenPrivate() throws {
        let dir = NSTemporaryDirectory() + "cp-token-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let path = dir + "/t"
        let token = try ControlToken.create(path: path)
        #expect(token.count == 64)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try ControlToken.read(path: path) == token)
        chmod(path, 0o644)
        #expect(throws: ControlToken.Failure.self) { try ControlToken.read(path: path) }
        let short = dir + "/short"
        _ = FileManager.default.createFile(
            atPath: short, contents: Data("abc\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: ControlToken.Failure.self) { try ControlToken.read(path: short) }
        #expect(throws: ControlToken.Failure.self) { try ControlToken.read(path: dir + "/none") }
    }
}
