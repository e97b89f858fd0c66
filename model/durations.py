"""Durations as people read them; no dependencies, so the console helpers can import it before TensorFlow."""


def format_duration(seconds):
    """H:MM:SS for a number of seconds."""
    seconds = round(max(0.0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
