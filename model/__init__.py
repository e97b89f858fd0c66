"""The math of colorization: color spaces, the networks, losses, metrics, training and inference.

Imports neither Beam nor anything in pipeline/ or jobs/.
"""

LOGGER_NAME = "colorize"  # the logger of every message a user of the jobs sees, from model/ and pipeline/ alike
