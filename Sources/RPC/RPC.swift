// Module RPC: see Package.swift for what it owns.
