import EngineModel
import Foundation
import MarketData
import Testing

/// Instruments from the recorded exchangeInfo answers of Binance spot (2021-10-11) and USD-M
/// futures (2021-07-22), and the endpoint parsing of `engine start`'s URLs.
@Suite("InstrumentCatalog")
struct InstrumentCatalogTests {
    /// The JSON body of a recorded `<url> -> <epoch>: <json>` exchangeInfo line.
    static func recorded(_ relative: String) throws -> [UInt8] {
        let path = repositoryRoot().appendingPathComponent("Tests/Data/binance/" + relative).path
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -dc \"$0\"", path]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        let line = data.split(separator: UInt8(ascii: "\n")).first ?? []
        let start = try #require(line.firstIndex(of: UInt8(ascii: "{")))
        return Array(line[start...])
    }

    static func repositoryRoot() -> URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    @Test("spot: tick gives the price exponent, the asset precision the quantity exponent")
    func spot() throws {
        let body = try Self.recorded("spot-2021/cryptofeed_BINANCE.0.exchangeInfo.txt.gz")
        let list = try InstrumentCatalog.instruments(
            exchangeInfo: body, symbols: ["BTCUSDT", "NKNUSDT", "BLZETH"], venue: "binance")
        #expect(list.map(\.symbol) == ["BTCUSDT", "NKNUSDT", "BLZETH"])
        let btc = list[0]
        #expect(btc.priceExponent == -2)
        #expect(btc.quantityExponent == -8)
        #expect(btc.tickSize == Price(mantissa: 1, exponent: -2))
        #expect(btc.stepSize == Quantity(mantissa: 1000, exponent: -8))  // 0.00001 at 10^-8
        #expect(btc.venue == "binance")
        // A recorded quantity finer than the step parses at the asset's precision.
        #expect(try btc.parseQuantity("0.00000123").mantissa == 123)
    }

    @Test("USD-M futures: MIN_NOTIONAL's notional key, 8-decimal quantities")
    func futures() throws {
        let body = try Self.recorded("usdm-2021/cryptofeed_BINANCE_FUTURES.0.exchangeInfo.txt.gz")
        let list = try InstrumentCatalog.instruments(
            exchangeInfo: body, symbols: ["BTCUSDT", "SUSHIUSDT"], venue: "binance-futures")
        #expect(list[0].priceExponent == -2)
        #expect(list[0].quantityExponent == -8)
        #expect(list[0].minNotional == Price(mantissa: 500, exponent: -2))
        #expect(list[1].symbol == "SUSHIUSDT")
    }

    @Test("symbols the venue does not list are named")
    func unknown() throws {
        let body = try Self.recorded("spot-2021/cryptofeed_BINANCE.0.exchangeInfo.txt.gz")
        #expect(throws: InstrumentCatalog.CatalogError.unknownSymbols(["NOPEUSDT", "ZZZ"])) {
            try InstrumentCatalog.instruments(
                exchangeInfo: body, symbols: ["BTCUSDT", "NOPEUSDT", "ZZZ"], venue: "binance")
        }
    }

    @Test("answers that are not exchangeInfo are refused")
    func malformed() {
        for text in ["", "[]", #"{"symbols":1}"#, #"{"symbols":[{"symbol":"BTCUSDT","filters":[]}]}"#] {
            #expect(throws: InstrumentCatalog.CatalogError.self) {
                try InstrumentCatalog.instruments(exchangeInfo: Array(text.utf8), symbols: ["BTCUSDT"], venue: "b")
            }
        }
    }

    @Test("ws/wss and http/https endpoints")
    func endpoints() throws {
        let binance = try WebSocketEndpoint(parsing: "wss://stream.binance.com:9443/stream")
        #expect(binance == WebSocketEndpoint(tls: true, host: "stream.binance.com", port: 9443, path: "/stream"))
        let plain = try WebSocketEndpoint(parsing: "ws://127.0.0.1/fstream/stream")
        #expect(plain.port == 80 && !plain.tls && plain.path == "/fstream/stream")
        #expect(try WebSocketEndpoint(parsing: "wss://fstream.binance.com").path == "/stream")
        for bad in ["http://x/stream", "wss://", "stream.binance.com", "wss://h/stream?streams=a", "ws://h:70000/"] {
            #expect(throws: EndpointError.self) { try WebSocketEndpoint(parsing: bad) }
        }
        #expect(try RESTEndpoint(parsing: "https://api.binance.com/").base == "https://api.binance.com")
        #expect(throws: EndpointError.self) { try RESTEndpoint(parsing: "ftp://api.binance.com") }
    }
}
