# Runs first on the board: keep it tiny and off the network, so a broken app can never
# lock the REPL out. main.py starts the application.
import gc

gc.collect()
