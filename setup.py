"""Batch image colorization: Beam jobs to prepare data, train, colorize and evaluate."""

from setuptools import find_packages, setup

setup(
    name="beam-colorize",
    version="0.1.0",
    description=__doc__,
    python_requires=">=3.10",
    packages=find_packages(include=["pipeline", "pipeline.*", "model", "model.*", "jobs", "jobs.*"]),
    package_data={"model": ["default/*.keras", "default/*.json", "default/*.md"]},
    install_requires=[
        # Versions that install and run together on CPU-only Linux with Python 3.11.
        "tensorflow-cpu==2.21.0",
        "keras==3.15.1",
        "apache-beam==2.77.0",
        "tensorflow-datasets==4.9.10",
        "numpy==2.4.6",
        "protobuf==6.33.6",
        "pillow==12.3.0",
        "google-crc32c>=1.5",  # WriteToTFRecord needs a CRC library
        "importlib_resources>=6",  # TFDS builders import it
        "tensorboard==2.21.0",  # the training job's logs; TensorFlow 2.21 no longer pulls it in
    ],
    extras_require={
        "dask": ["dask[distributed]==2026.8.0"],  # --runner=DaskRunner (pipeline/runners/dask.py)
        "test": ["pytest>=8", "dask[distributed]==2026.8.0"],
    },
    entry_points={
        "console_scripts": [
            "colorize=jobs.colorize:main",
            "colorize-prepare=jobs.prepare:main",
            "colorize-train=jobs.train:main",
            "colorize-evaluate=jobs.evaluate:main",
            "colorize-average=jobs.average:main",
        ],
    },
)
