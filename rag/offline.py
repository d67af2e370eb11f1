"""Keep the Hugging Face libraries off the network: every model here comes from a local file."""

from __future__ import annotations

import os

OFFLINE_FLAGS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def set_offline_env() -> None:
    """Switch the hub off in-process (a user who has the hub may set the flags to 0 beforehand)."""
    for flag in OFFLINE_FLAGS:
        os.environ.setdefault(flag, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
