// Module WebSocketNIO: see Package.swift for what it owns.
