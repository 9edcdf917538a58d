"""JupyterLab and nbgrader's extensions are installed and enabled in the course environment."""
import subprocess
import sys
from pathlib import Path

JUPYTER = str(Path(sys.executable).parent / "jupyter")


def listing(*args):
    result = subprocess.run([JUPYTER, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_nbgrader_lab_extension_is_enabled():
    lines = [line for line in listing("labextension", "list").splitlines() if "nbgrader" in line]
    assert lines and all("enabled" in line and "OK" in line for line in lines), lines


def test_nbgrader_server_extension_is_enabled():
    lines = [line for line in listing("server", "extension", "list").splitlines() if "nbgrader" in line]
    assert any("enabled" in line for line in lines), lines
