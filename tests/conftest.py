"""Run the tests in another order, to show that no test depends on what ran before it.

    pytest --test-order reverse          # collection order reversed
    pytest --test-order shuffle:42       # shuffled with seed 42 (the same on every xdist worker)
"""

from __future__ import annotations

import random
from typing import List

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--test-order", default="", metavar="reverse|shuffle:SEED",
                     help="run the collected tests reversed, or shuffled with SEED (state leaking between tests shows)")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    order = config.getoption("--test-order")
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        random.Random(order.partition(":")[2]).shuffle(items)
    elif order:
        raise pytest.UsageError(f"--test-order {order}: use reverse or shuffle:SEED")
