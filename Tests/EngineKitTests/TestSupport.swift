import Foundation

/// A private segment directory for this test process, set before the first segment call.
/// Test targets share one process: whoever sets the variable first wins, nobody overwrites it.
let testShmDir: String = {
    var template = Array((NSTemporaryDirectory() + "tickwire-kit-XXXXXX").utf8CString)
    let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    setenv("TICKWIRE_SHM_DIR", dir, 0)
    return String(cString: getenv("TICKWIRE_SHM_DIR"))
}()

/// A unique instance name per test.
func uniqueInstance(_ tag: String) -> String {
    _ = testShmDir
    return "t\(getpid() % 100000)-\(tag)"
}
