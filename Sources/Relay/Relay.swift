// Module Relay: see Package.swift for what it owns.
