"""A tiny HTTP app for the adopt fixtures: it answers with the uid it runs as, on $PORT (default 5000)."""

import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from {os.environ.get('APP_NAME', 'fixture')} uid={os.getuid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "5000"))), Hello).serve_forever()
