import EngineModel
import Foundation
import Matching

/// Parses recorded lines (see `ReplayRecording`) and merges files into one timeline.
struct ReplayRecordingBuilder {
    /// A frame with its merge key.
    private struct Entry {
        let time: Int64
        let file: Int
        let line: Int
        let frame: ReplayFrame
    }

    private var entries: [Entry] = []
    private var streamNames: [SimMarket: [String]] = [:]
    private var streamIndex: [SimMarket: [String: Int]] = [:]
    private var snapshots: [SimMarket: [String: RecordedSnapshot]] = [:]
    private var symbols: [SimMarket: [String: RecordedSymbol]] = [:]
    private var skipped = 0

    /// Parses one file's text.
    mutating func add(text: String, path: String, fileIndex: Int, market: SimMarket?) throws(ReplayError) {
        let market = market ?? Self.detectMarket(text)
        var lastDepthSymbol: String?
        var fileSymbols: Set<String> = []
        var pending: [(line: Int, time: Int64, json: Substring, symbol: String?)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            guard let (time, json, url) = Self.split(line) else {
                if !Self.isHeader(line) { skipped += 1 }
                continue
            }
            guard let members = ReplayJSONScanner.members(json) else {
                skipped += 1
                continue
            }
            if let name = members.first(where: { $0.key == "stream" })?.value,
                let data = members.first(where: { $0.key == "data" })?.value
            {
                let stream = String(name.dropFirst().dropLast())
                let symbol = stream.prefix { $0 != "@" }.uppercased()
                fileSymbols.insert(symbol)
                let diff = Self.isDiff(data) ? parseDiff(data, market: market) : nil
                if diff != nil { lastDepthSymbol = diff?.symbol ?? symbol }
                let frame = ReplayFrame(
                    time: time, market: market, stream: index(of: stream, market), raw: String(data),
                    combined: String(json), diff: diff)
                entries.append(Entry(time: time, file: fileIndex, line: number, frame: frame))
            } else if members.contains(where: { $0.key == "lastUpdateId" }) {
                pending.append((number, time, json, url.flatMap(Self.symbolParameter) ?? lastDepthSymbol))
            } else {
                skipped += 1
            }
        }
        for snapshot in pending {
            let only = fileSymbols.count == 1 ? fileSymbols.first : nil
            guard let symbol = snapshot.symbol ?? only, let parsed = parseSnapshot(
                snapshot.json, symbol: symbol, market: market, time: snapshot.time)
            else {
                skipped += 1
                continue
            }
            if let first = snapshots[market]?[symbol], first.time <= parsed.time {
                // Only the first snapshot of a symbol seeds the replayed book; later ones are
                // still part of the timeline.
            } else {
                snapshots[market, default: [:]][symbol] = parsed
            }
            let text = String(snapshot.json)
            let frame = ReplayFrame(time: snapshot.time, market: market, stream: -1, raw: text, combined: text, diff: nil)
            entries.append(Entry(time: snapshot.time, file: fileIndex, line: snapshot.line, frame: frame))
        }
    }

    /// The merged recording; throws when there is no frame at all.
    func build(files: [String]) throws(ReplayError) -> ReplayRecording {
        guard !entries.isEmpty else { throw .empty(paths: files) }
        let sorted = entries.sorted { a, b in
            (a.time, a.file, a.line) < (b.time, b.file, b.line)
        }
        return ReplayRecording(
            files: files, frames: sorted.map(\.frame), streamNames: streamNames, snapshots: snapshots,
            symbols: symbols, skippedLines: skipped)
    }

    // MARK: Lines

    /// Splits `<time>: <json>`, `<time> <json>` or `https://… -> <time>: <json>` into the time
    /// (ns since the epoch), the JSON text and the URL; nil for other lines.
    private static func split(_ line: Substring) -> (Int64, Substring, Substring?)? {
        var rest = line
        var url: Substring?
        if line.hasPrefix("http") {
            guard let arrow = line.range(of: " -> ") else { return nil }
            url = line[..<arrow.lowerBound]
            rest = line[arrow.upperBound...]
        }
        guard let end = rest.firstIndex(where: { $0 == ":" || $0 == " " }) else { return nil }
        guard let time = nanoseconds(rest[..<end]) else { return nil }
        let json = rest[rest.index(after: end)...].drop { $0 == " " || $0 == ":" }
        guard json.first == "{" else { return nil }
        return (time, json, url)
    }

    /// Whether a line is a known non-frame line (connects, sent frames, recorder configuration).
    private static func isHeader(_ line: Substring) -> Bool {
        line.hasPrefix("ws") || line.hasPrefix("configuration:") || line.hasPrefix("http")
    }

    /// A timestamp as nanoseconds: `1633998512.0633569` (seconds with a fraction), or an
    /// integer in s, ms, µs or ns told apart by magnitude.
    static func nanoseconds(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
        if let dot = text.firstIndex(of: ".") {
            guard let seconds = Int64(text[..<dot]) else { return nil }
            var fraction = String(text[text.index(after: dot)...].prefix(9))
            guard fraction.allSatisfy(\.isNumber) else { return nil }
            fraction += String(repeating: "0", count: 9 - fraction.count)
            return seconds * 1_000_000_000 + (Int64(fraction) ?? 0)
        }
        guard let value = Int64(text) else { return nil }
        switch value {
        case 100_000_000_000_000_000...: return value
        case 100_000_000_000_000...: return value * 1000
        case 100_000_000_000...: return value * 1_000_000
        default: return value * 1_000_000_000
        }
    }

    /// The `symbol=` query parameter of a URL, uppercased.
    private static func symbolParameter(_ url: Substring) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("symbol=") {
            return pair.dropFirst("symbol=".count).uppercased()
        }
        return nil
    }

    /// USD-M when the text names the futures hosts or paths or its diffs carry `pu`.
    private static func detectMarket(_ text: String) -> SimMarket {
        text.contains("fstream.binance") || text.contains("/fapi/") || text.contains("\"pu\":") ? .usdm : .spot
    }

    /// Whether a `data` object is a diff-depth event.
    private static func isDiff(_ data: Substring) -> Bool {
        ReplayJSONScanner.members(data)?.contains { $0.key == "e" && $0.value == "\"depthUpdate\"" } ?? false
    }

    /// The index of a stream name in its market's table, adding it when new.
    private mutating func index(of stream: String, _ market: SimMarket) -> Int {
        if let index = streamIndex[market]?[stream] { return index }
        let index = streamNames[market, default: []].count
        streamNames[market, default: []].append(stream)
        streamIndex[market, default: [:]][stream] = index
        return index
    }

    // MARK: Payloads

    /// A `depthUpdate` payload; nil when a field is missing.
    private mutating func parseDiff(_ data: Substring, market: SimMarket) -> RecordedDiff? {
        guard let object = Self.object(data), let symbol = object["s"] as? String,
            let first = Self.int(object["U"]), let last = Self.int(object["u"])
        else { return nil }
        let eventTime = Self.int(object["E"]) ?? 0
        guard let bids = levels(object["b"], symbol, market), let asks = levels(object["a"], symbol, market) else {
            return nil
        }
        return RecordedDiff(
            symbol: symbol, eventTime: eventTime, transactTime: Self.int(object["T"]) ?? eventTime,
            firstUpdateId: first, lastUpdateId: last, previousUpdateId: Self.int(object["pu"]), bids: bids, asks: asks)
    }

    /// A depth snapshot; nil when malformed.
    private mutating func parseSnapshot(
        _ json: Substring, symbol: String, market: SimMarket, time: Int64
    ) -> RecordedSnapshot? {
        guard let object = Self.object(json), let id = Self.int(object["lastUpdateId"]),
            let bids = levels(object["bids"], symbol, market), let asks = levels(object["asks"], symbol, market)
        else { return nil }
        return RecordedSnapshot(
            symbol: symbol, market: market, time: time, depth: DepthSnapshot(lastUpdateId: id, bids: bids, asks: asks),
            eventTime: Self.int(object["E"]), transactTime: Self.int(object["T"]))
    }

    /// `[["price","qty"],…]` at each text's own exponent, noting the symbol's precision.
    private mutating func levels(_ value: Any?, _ symbol: String, _ market: SimMarket) -> [BookLevel]? {
        guard let pairs = value as? [Any] else { return nil }
        var result: [BookLevel] = []
        result.reserveCapacity(pairs.count)
        var entry = symbols[market]?[symbol] ?? RecordedSymbol(market: market, symbol: symbol)
        for pair in pairs {
            guard let pair = pair as? [Any], pair.count >= 2, let priceText = pair[0] as? String,
                let quantityText = pair[1] as? String
            else { return nil }
            let (pe, ps) = Self.exponent(priceText)
            let (qe, qs) = Self.exponent(quantityText)
            guard let price = try? Price(parsing: priceText, exponent: pe),
                let quantity = try? Quantity(parsing: quantityText, exponent: qe)
            else { return nil }
            entry.priceDecimals = max(entry.priceDecimals, ps)
            entry.quantityDecimals = max(entry.quantityDecimals, qs)
            entry.priceTextDecimals = max(entry.priceTextDecimals, -Int(pe))
            entry.quantityTextDecimals = max(entry.quantityTextDecimals, -Int(qe))
            result.append(BookLevel(price: price, quantity: quantity))
        }
        symbols[market, default: [:]][symbol] = entry
        return result
    }

    /// A decimal text's exponent (−digits after the point) and its significant decimals.
    private static func exponent(_ text: String) -> (Int8, Int) {
        guard let dot = text.firstIndex(of: ".") else { return (0, 0) }
        let fraction = text[text.index(after: dot)...]
        let significant = fraction.count - fraction.reversed().prefix { $0 == "0" }.count
        return (Int8(clamping: -fraction.count), significant)
    }

    /// A JSON object parsed by Foundation.
    private static func object(_ text: Substring) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// An integer member.
    private static func int(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber else { return nil }
        return number.int64Value
    }
}
