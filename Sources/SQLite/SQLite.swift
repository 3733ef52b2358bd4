// Module SQLite: see Package.swift for what it owns.
