import EngineModel
import Foundation

/// Recorded Binance market data, loaded and merged into one timeline for the replay.
///
/// Two line formats are read, both as plain text or gzip (recognised by its magic bytes, and
/// decompressed by running `gzip -dc`, which every supported system has):
/// - hftbacktest: `<local receive time, ns> <json>`, the JSON a combined-stream frame
///   `{"stream":…,"data":…}` or a bare REST depth snapshot `{"lastUpdateId":…}` (its symbol is
///   the file's only symbol, or the symbol of the diff stream just before it);
/// - cryptofeed: `<epoch seconds>: <json>` for a received frame,
///   `https://…/depth?symbol=X… -> <epoch>: <json>` for a REST answer (depth snapshots are
///   kept, other answers skipped), and `wss://… <->`, `wss://… <- …` (connects, sent frames) and
///   `configuration:` lines, which are skipped.
///
/// A file is USD-M futures when it mentions `fstream`/`fapi` or its diffs carry `pu`, else
/// spot (or as `ReplaySource.market` says). Frames without a `{"stream":…}` envelope other
/// than depth snapshots are skipped (`skippedLines`): a raw frame does not say which stream
/// it came from. Files are merged by recorded time; equal times keep file then line order.
public final class ReplayRecording: Sendable {
    /// The files read, in the order given.
    public let files: [String]
    /// Every frame, in time order.
    let frames: [ReplayFrame]
    /// The recorded stream names per market; frames index them.
    let streamNames: [SimMarket: [String]]
    /// The first recorded depth snapshot per market and symbol.
    let snapshots: [SimMarket: [String: RecordedSnapshot]]
    /// The replayed symbols per market.
    let symbols: [SimMarket: [String: RecordedSymbol]]
    /// Lines that were neither a stream frame nor a depth snapshot nor a known header.
    public let skippedLines: Int

    /// Assembles a recording from parsed parts.
    init(
        files: [String], frames: [ReplayFrame], streamNames: [SimMarket: [String]],
        snapshots: [SimMarket: [String: RecordedSnapshot]], symbols: [SimMarket: [String: RecordedSymbol]],
        skippedLines: Int
    ) {
        self.files = files
        self.frames = frames
        self.streamNames = streamNames
        self.snapshots = snapshots
        self.symbols = symbols
        self.skippedLines = skippedLines
    }

    /// Loads and merges recorded files. Throws when a file cannot be read or holds no frame.
    public static func load(_ sources: [ReplaySource]) throws(ReplayError) -> ReplayRecording {
        var builder = ReplayRecordingBuilder()
        for (index, source) in sources.enumerated() {
            let text = try Self.readText(source.path)
            try builder.add(text: text, path: source.path, fileIndex: index, market: source.market)
        }
        return try builder.build(files: sources.map(\.path))
    }

    /// The number of frames (stream messages and snapshots).
    public var frameCount: Int { frames.count }

    /// The number of recorded stream messages.
    public var messageCount: Int { frames.lazy.filter { $0.stream >= 0 }.count }

    /// The number of recorded stream messages of `market`.
    public func messageCount(of market: SimMarket) -> Int {
        frames.lazy.filter { $0.stream >= 0 && $0.market == market }.count
    }

    /// The recorded time of the first frame, ns since the epoch.
    public var startTime: Int64 { frames.first?.time ?? 0 }

    /// The recorded time of the last frame, ns since the epoch.
    public var endTime: Int64 { frames.last?.time ?? 0 }

    /// The recorded span from the first frame to the last.
    public var span: Duration { .nanoseconds(endTime - startTime) }

    /// The replayed symbols of `market`, sorted.
    public func replayedSymbols(_ market: SimMarket) -> [String] { (symbols[market] ?? [:]).keys.sorted() }

    /// The recorded stream names of `market`, in order of first appearance.
    public func recordedStreams(_ market: SimMarket) -> [String] { streamNames[market] ?? [] }

    /// A file's text; gzip files are decompressed with `gzip -dc`.
    static func readText(_ path: String) throws(ReplayError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        guard data.count >= 2, data[data.startIndex] == 0x1F, data[data.startIndex + 1] == 0x8B else {
            return String(decoding: data, as: UTF8.self)
        }
        return String(decoding: try gunzip(path), as: UTF8.self)
    }

    /// Runs `gzip -dc path` and returns its output.
    private static func gunzip(_ path: String) throws(ReplayError) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", "--", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .unreadable(path: path, reason: "cannot run gzip: \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .unreadable(path: path, reason: "gzip -dc exited with status \(process.terminationStatus)")
        }
        return data
    }
}

/// One recorded file to replay.
public struct ReplaySource: Hashable, Sendable {
    /// The file's path (plain text or gzip).
    public var path: String
    /// The market its frames belong to; nil detects it (`fstream`/`fapi`/`pu` mean USD-M).
    public var market: SimMarket?

    /// A file, its market detected unless given.
    public init(path: String, market: SimMarket? = nil) {
        self.path = path
        self.market = market
    }
}

/// Why a recording could not be loaded.
public enum ReplayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read (or decompressed).
    case unreadable(path: String, reason: String)
    /// The files hold no frame the replay could play.
    case empty(paths: [String])
    /// A speed that is not `recorded`, `max` or a positive multiplier.
    case invalidSpeed(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read replay file \(path): \(reason)"
        case .empty(let paths): "no replayable frames in \(paths.joined(separator: ", "))"
        case .invalidSpeed(let text): "invalid replay speed '\(text)': expected recorded, max, or a multiplier like 10x"
        }
    }
}
