"""Where the shipped default model lives: inside the installed package, so no download is needed."""

import os

FOLDER = os.path.join(os.path.dirname(__file__), "default")


def path():
    """The shipped model.keras; raises ValueError if the installation lacks it."""
    model_path = os.path.join(FOLDER, "model.keras")
    if not os.path.exists(model_path):
        raise ValueError(f"the shipped model is missing from {FOLDER}; reinstall the package "
                         "(pip install -e .) or pass --model FILE")
    return model_path
