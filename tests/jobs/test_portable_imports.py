"""Every module of jobs/, pipeline/ and model/ imports where POSIX-only modules do not exist (Windows)."""

import os
import subprocess
import sys
import textwrap

import pytest

# Modules that exist on Linux and macOS only. The libraries this project depends on are imported
# first, as themselves: they choose per platform (distributed and fasteners, which Beam's RunInference
# uses, import msvcrt on Windows), so only
# this project's own imports meet the missing modules.
POSIX_ONLY = ("fcntl", "pwd", "grp", "resource", "termios", "tty", "pty", "syslog")
SCRIPT = textwrap.dedent("""
    import importlib, pkgutil, sys
    import apache_beam, distributed, fasteners, keras, numpy, PIL.Image, portalocker, tensorflow, tensorflow_datasets
    for name in {posix_only!r}:
        sys.modules[name] = None  # `import name` now raises ImportError, as on Windows
    failures = []
    for package in ("jobs", "pipeline", "model"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, package + "."):
            try:
                importlib.import_module(module.name)
            except ImportError as error:
                failures.append(f"{{module.name}}: {{error}}")
    print("\\n".join(failures) or "all imported")
""")


@pytest.mark.slow
def test_every_module_imports_without_posix_only_modules():
    script = SCRIPT.format(posix_only=POSIX_ONLY)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.getcwd(), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "all imported", result.stdout
