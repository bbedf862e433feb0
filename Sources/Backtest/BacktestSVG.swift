import EngineModel

extension BacktestReport {
    /// The equity curve and the positions as one SVG document a browser opens: two panels over
    /// recorded time, step lines, labelled axes, and the summary figures in the title.
    public func svg(title: String) -> String {
        let width = 960.0, panel = 260.0, left = 90.0, right = 20.0, top = 60.0, gap = 50.0
        let plotWidth = width - left - right
        let height = top + 2 * panel + gap + 50
        let t0 = Double(curve.first?.timeNs ?? startNs), t1 = Double(max(curve.last?.timeNs ?? endNs, (curve.first?.timeNs ?? 0) + 1))
        func x(_ t: Int64) -> Double { left + (Double(t) - t0) / max(1, t1 - t0) * plotWidth }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="22" font-size="16" font-weight="bold">\(Self.escape(title))</text>
            <text x="\(left)" y="42">fills \(fills.count) · volume \(volume) · fees \(fees) · realized \(realizedPnl) · unrealized \(unrealizedPnl) · max drawdown \(maxDrawdown) · win rate \(winRate) · sharpe \(sharpe)</text>

            """
        // Equity panel.
        let equities = curve.map { Double($0.equity) / 1e8 }
        out += panelFrame(y: top, height: panel, left: left, width: plotWidth, label: "equity (quote)", values: equities)
        out += polyline(curve.map { (x($0.timeNs), Double($0.equity) / 1e8) }, y: top, height: panel, values: equities, color: "#1f6feb")
        // Positions panel: one line per instrument that ever held a position.
        let y2 = top + panel + gap
        let held = symbols.indices.filter { i in curve.contains { $0.positions[i] != 0 } }
        let all = held.flatMap { i in curve.map { Double($0.positions[i]) } }
        out += panelFrame(y: y2, height: panel, left: left, width: plotWidth, label: "position (quantity mantissa)", values: all)
        let colors = ["#d1242f", "#1a7f37", "#8250df", "#bf8700", "#0969da"]
        for (n, i) in held.enumerated() {
            let color = colors[n % colors.count]
            out += polyline(curve.map { (x($0.timeNs), Double($0.positions[i])) }, y: y2, height: panel, values: all, color: color)
            out += "<text x=\"\(left + 8 + Double(n) * 140)\" y=\"\(y2 + 16)\" fill=\"\(color)\">\(Self.escape(symbols[i]))</text>\n"
        }
        let seconds = (t1 - t0) / 1e9
        out += "<text x=\"\(left)\" y=\"\(height - 12)\">0 s</text>\n"
        out += "<text x=\"\(left + plotWidth - 60)\" y=\"\(height - 12)\">\((seconds * 10).rounded() / 10) s</text>\n"
        out += "</svg>\n"
        return out
    }

    private func panelFrame(y: Double, height: Double, left: Double, width: Double, label: String, values: [Double]) -> String {
        let (lo, hi) = Self.range(values)
        return """
            <rect x="\(left)" y="\(y)" width="\(width)" height="\(height)" fill="none" stroke="#888"/>
            <text x="\(left)" y="\(y - 6)">\(label)</text>
            <text x="\(left - 6)" y="\(y + 12)" text-anchor="end">\(Self.short(hi))</text>
            <text x="\(left - 6)" y="\(y + height)" text-anchor="end">\(Self.short(lo))</text>

            """
    }

    private func polyline(_ points: [(Double, Double)], y: Double, height: Double, values: [Double], color: String) -> String {
        guard !points.isEmpty else { return "" }
        let (lo, hi) = Self.range(values)
        func py(_ v: Double) -> Double { y + height - (v - lo) / (hi - lo) * height }
        var path: [String] = []
        var previous: Double?
        for (px, v) in points {
            // A step line: the value holds until the next point.
            if let previous { path.append("\(Self.fixed(px)),\(Self.fixed(py(previous)))") }
            path.append("\(Self.fixed(px)),\(Self.fixed(py(v)))")
            previous = v
        }
        return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>\n"
    }

    static func range(_ values: [Double]) -> (Double, Double) {
        guard let lo = values.min(), let hi = values.max() else { return (0, 1) }
        return lo == hi ? (lo - 1, hi + 1) : (lo, hi)
    }

    static func fixed(_ v: Double) -> String { "\((v * 10).rounded() / 10)" }

    static func short(_ v: Double) -> String { "\((v * 10_000).rounded() / 10_000)" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
