"""Start the web chat: `python app.py` (settings from ASSISTANT_* variables or .env)."""

from assistant.config import offline_environment

if __name__ == "__main__":
    offline_environment()  # before gradio and torch are imported: no analytics, no model-hub look-ups

    from assistant.ui import launch

    launch(announce=print)
