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


def test_every_stub_item_has_the_runtime_docstring():
    """Editors read docstrings from the stub: every public class, method,
    property and function in _clickfence.pyi has one, and it is the
    compiled item's own (so the two cannot drift)."""
    import ast
    import importlib.resources

    import clickfence._clickfence as m

    src = (importlib.resources.files("clickfence") / "_clickfence.pyi").read_text()
    checked = 0
    for node in ast.parse(src).body:
        items = []
        if isinstance(node, ast.ClassDef):
            runtime = getattr(m, node.name)
            items.append((node, runtime.__doc__, node.name))
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and (f.name == "__new__" or not f.name.startswith("_")):
                    doc = runtime.__doc__ if f.name == "__new__" else getattr(runtime, f.name).__doc__
                    items.append((f, doc, f"{node.name}.{f.name}"))
        elif isinstance(node, ast.FunctionDef):
            items.append((node, getattr(m, node.name).__doc__, node.name))
        for item, runtime_doc, name in items:
            stub_doc = ast.get_docstring(item)
            assert stub_doc, f"{name} has no docstring in the stub"
            assert (runtime_doc or "").strip(), f"{name} has no docstring in the module"
            assert " ".join(stub_doc.split()) == " ".join(runtime_doc.split()), name
            checked += 1
    assert checked > 80, checked
