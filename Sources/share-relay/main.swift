print("share-relay: not yet implemented")
