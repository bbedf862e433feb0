import NIOCore
import NIOWebSocket

/// Writes a connection's outbound queue to its channel in batches: every message queued
/// since the last write goes out as WebSocket text frames in one event-loop task with one
/// flush (one `writev` for many frames), instead of a task hop and a flush per frame.
///
/// Backpressure comes from the channel: while its outbound buffer is above NIO's high-water
/// mark (`isWritable` false) the writer waits, so the queue fills and the hub either drops the
/// connection (live streams) or the max-pace replay waits for it.
enum StreamWriter {
    /// Frames written per event-loop task at most.
    static let maxBatch = 1024

    /// Writes `queue` to `channel` until the queue ends; throws when the channel closed.
    static func pump(_ queue: OutboundQueue, to channel: any Channel) async throws {
        var batch: [String] = []
        batch.reserveCapacity(maxBatch)
        while await queue.nextBatch(into: &batch, max: maxBatch) {
            try await write(batch, to: channel)
        }
    }

    /// Writes `batch` as text frames in one event-loop task with one flush, then waits while the
    /// channel is above its high-water mark; throws when the channel closed.
    static func write(_ batch: [String], to channel: any Channel) async throws {
        let allocator = channel.allocator
        var frames: [WebSocketFrame] = []
        frames.reserveCapacity(batch.count)
        for text in batch {
            var buffer = allocator.buffer(capacity: text.utf8.count)
            buffer.writeString(text)
            frames.append(WebSocketFrame(fin: true, opcode: .text, data: buffer))
        }
        let written = frames
        try await channel.eventLoop.submit {
            for frame in written { channel.pipeline.write(frame, promise: nil) }
            channel.flush()
        }.get()
        while !channel.isWritable {
            guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
            try await Task.sleep(for: .microseconds(500))
        }
    }
}

extension OutboundQueue {
    /// Replaces `batch` with up to `max` queued elements, waiting for at least one; false once
    /// the queue is finished and drained.
    func nextBatch(into batch: inout [String], max: Int) async -> Bool {
        batch.removeAll(keepingCapacity: true)
        guard let first = await next() else { return false }
        batch.append(first)
        drain(into: &batch, max: max)
        return true
    }
}
