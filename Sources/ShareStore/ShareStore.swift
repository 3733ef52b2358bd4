// Module ShareStore: see Package.swift for what it owns.
