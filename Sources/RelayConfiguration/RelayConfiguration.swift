// Module RelayConfiguration: see Package.swift for what it owns.
