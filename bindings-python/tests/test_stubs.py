import subprocess
import sys


def test_stubs_match_the_module():
    """mypy.stubtest compares _clickfence.pyi with the compiled module."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "clickfence._clickfence"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_is_typed():
    import importlib.resources

    assert (importlib.resources.files("clickfence") / "py.typed").is_file()
