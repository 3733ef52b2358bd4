// Module RelayServer: see Package.swift for what it owns.
