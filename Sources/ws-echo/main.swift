print("ws-echo: not yet implemented")
