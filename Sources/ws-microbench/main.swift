print("ws-microbench: not yet implemented")
