import CBench
import Glibc

/// Runs `tw_bench_order_encode` (Bench/CBench/order_encode.c) pinned to `cpu`: the gateway's own
/// encoder timed per request beside a one-shot HMAC of the same payload. `order-encode` returns the
/// encoder's samples with the HMAC's as its floor; `hmac-oneshot` returns the HMAC's alone.
func runOrderEncode(
    _ scenario: Scenario, cpu: Int32, warmup: UInt64, iterations: UInt64, instance: String
) throws(ScenarioError) -> RunResult {
    var samples = [UInt64](repeating: 0, count: Int(iterations))  // faulted in here, not in the timed loop
    var floor = [UInt64](repeating: 0, count: Int(iterations))
    var b = tw_bench_order_encode_t()
    b.cpu = cpu
    b.warmup = warmup
    b.iterations = iterations
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let before = (Int64(usage.ru_nvcsw), Int64(usage.ru_nivcsw))
    let rc: Int32 = samples.withUnsafeMutableBufferPointer { out in
        floor.withUnsafeMutableBufferPointer { floorOut in
            instance.withCString { name in
                b.out = out.baseAddress
                b.floor_out = floorOut.baseAddress
                b.instance = name
                return tw_bench_order_encode(&b)
            }
        }
    }
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    guard rc == 0 else {
        let message = withUnsafeBytes(of: b.error) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw ScenarioError(message: message.isEmpty ? "failed (errno \(-rc))" : message)
    }
    guard b.verified == warmup + iterations else {
        throw ScenarioError(message: "only \(b.verified) of \(warmup + iterations) requests were verified")
    }
    let encoder = scenario == .orderEncode
    let note = "  order-encode: \(b.request_bytes) B request, \(b.payload_bytes) B signed payload, "
        + "\(b.verified) signatures verified against one-shot HMAC"
    return RunResult(
        samples: encoder ? samples : floor, voluntarySwitches: Int64(usage.ru_nvcsw) - before.0,
        involuntarySwitches: Int64(usage.ru_nivcsw) - before.1, clamped: 0, encodeFloor: encoder ? floor : nil,
        encodeNote: encoder ? note : nil)
}
