import Foundation

/// Keeps a Binance USD-M user-data listenKey alive and hands it to whoever opens the stream (the
/// order gateway): `POST /fapi/v1/listenKey` makes one, `PUT` every `keepaliveNs` (30 minutes; a
/// key lives 60) extends it, and a key the venue no longer knows — `listenKeyExpired` on the
/// stream, or a keepalive answered 404 / -1125 — is made anew and handed over again. `DELETE` at
/// `close()`.
///
/// The keeper does no I/O of its own: the REST calls go through `transport` (the engine passes
/// MarketData's `RESTClient` with the `X-MBX-APIKEY` header) and time comes from `clock`, so a
/// test drives it with a fake venue and a clock it advances. `tick` does what is due; `run` calls
/// it every `pollNs` until cancelled. The key itself is a bearer secret for the account's events:
/// it is never logged.
public actor ListenKeyKeeper {
    /// The three REST calls on `/fapi/v1/listenKey`.
    public enum Call: Sendable, Equatable {
        case create  // POST
        case keepalive(String)  // PUT (listenKey=…)
        case close(String)  // DELETE (listenKey=…)
    }

    /// What the venue answered: HTTP status and body.
    public struct Answer: Sendable {
        public var status: Int
        public var body: [UInt8]
        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    public typealias Transport = @Sendable (Call) async throws -> Answer
    /// Monotonic nanoseconds.
    public typealias Clock = @Sendable () -> Int64
    /// Hands a key to the stream's owner (nil: close the stream).
    public typealias Apply = @Sendable (String?) -> Void

    private let transport: Transport
    private let clock: Clock
    private let apply: Apply
    private let keepaliveNs: Int64
    private let retryNs: Int64
    private var lastKeepaliveNs: Int64 = 0
    private var nextAttemptNs: Int64 = 0

    /// The key in use, nil before the first creation succeeded or after a loss.
    public private(set) var key: String?
    /// Keys made (the first and every re-creation), keepalives that succeeded, calls that failed.
    public private(set) var created = 0
    public private(set) var keptAlive = 0
    public private(set) var failures = 0
    /// The last failure, for logs (never contains the key).
    public private(set) var lastError: String?

    /// A keeper; nothing is sent before the first `tick`.
    public init(
        transport: @escaping Transport, clock: @escaping Clock, apply: @escaping Apply,
        keepaliveNs: Int64 = 30 * 60 * 1_000_000_000, retryNs: Int64 = 5 * 1_000_000_000
    ) {
        self.transport = transport
        self.clock = clock
        self.apply = apply
        self.keepaliveNs = keepaliveNs
        self.retryNs = retryNs
    }

    /// Does what is due: make a key when there is none (or `expired` says the stream lost it,
    /// e.g. the gateway's `listenKeyExpired`), else extend it when `keepaliveNs` has passed.
    /// After a failure the next attempt waits `retryNs`.
    public func tick(expired: Bool = false) async {
        let now = clock()
        if expired, key != nil { lose("the venue said listenKeyExpired") }
        guard now >= nextAttemptNs else { return }
        if let current = key {
            guard now - lastKeepaliveNs >= keepaliveNs else { return }
            await keepalive(current, now: now)
        } else {
            await create(now: now)
        }
    }

    /// Calls `tick` every `pollNs` until the task is cancelled; `expired` is asked each time.
    public func run(pollNs: UInt64 = 1_000_000_000, expired: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled {
            await tick(expired: expired())
            try? await Task.sleep(nanoseconds: pollNs)
        }
    }

    /// Closes the key at the venue (best effort) and tells the stream's owner to close.
    public func close() async {
        guard let current = key else { return }
        key = nil
        apply(nil)
        _ = try? await transport(.close(current))
    }

    private func create(now: Int64) async {
        do {
            let answer = try await transport(.create)
            guard answer.status == 200, let made = Self.listenKey(in: answer.body) else {
                return fail("POST listenKey answered \(answer.status)\(Self.code(in: answer.body))", now: now)
            }
            key = made
            created += 1
            lastKeepaliveNs = now
            apply(made)
        } catch { fail("POST listenKey: \(error)", now: now) }
    }

    private func keepalive(_ current: String, now: Int64) async {
        do {
            let answer = try await transport(.keepalive(current))
            if answer.status == 200 {
                keptAlive += 1
                lastKeepaliveNs = now
                if let renewed = Self.listenKey(in: answer.body), renewed != current {
                    key = renewed
                    apply(renewed)
                }
                return
            }
            let code = Self.code(in: answer.body)
            if answer.status == 404 || code.contains("-1125") {
                lose("PUT listenKey: the venue no longer knows the key\(code)")
                await create(now: now)  // at once: the stream is down until then
            } else {
                fail("PUT listenKey answered \(answer.status)\(code)", now: now)
            }
        } catch { fail("PUT listenKey: \(error)", now: now) }
    }

    private func lose(_ why: String) {
        key = nil
        lastError = why
    }

    private func fail(_ why: String, now: Int64) {
        failures += 1
        lastError = why
        nextAttemptNs = now + retryNs
    }

    private static func object(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `{"listenKey":"…"}`'s key, when it is one the gateway takes (1...127 letters and digits).
    static func listenKey(in body: [UInt8]) -> String? {
        guard let key = object(body)?["listenKey"] as? String, (1...127).contains(key.utf8.count),
            key.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
        else { return nil }
        return key
    }

    /// " (code N)" for a venue error body, "" otherwise.
    static func code(in body: [UInt8]) -> String {
        guard let code = (object(body)?["code"] as? NSNumber)?.intValue else { return "" }
        return " (code \(code))"
    }
}
