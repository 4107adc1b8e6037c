"""Start the web chat: `python app.py` (settings from ASSISTANT_* variables or .env)."""

from assistant.ui import launch

if __name__ == "__main__":
    launch()
