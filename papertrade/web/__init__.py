"""HTTP and WebSocket layer of PaperTrade."""
