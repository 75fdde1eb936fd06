import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text())


@pytest.fixture(scope="session")
def vectors_dir():
    return VECTORS
