# Starts the application; firmware/app.py owns crash handling and safe mode.
try:
    from firmware import app
except ImportError as e:
    print("main: firmware not installed:", e)
else:
    app.main()
