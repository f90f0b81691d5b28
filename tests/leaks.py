"""Looking for answers in what a student can read: numbers in any common rounding, tensors as
runs of numbers in the output, whatever the format prints them in."""

from __future__ import annotations

import re

import numpy as np

from nncheck.numbers import format_number

NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:\s*(?:[eE]|\\times 10\^\{?)[-+]?\d+\}?)?")


def roundings(value: float) -> set[str]:
    """`value` to 3 to 8 significant figures and to 2 to 6 decimals, as people and programs write it."""
    shown = {format_number(value, digits) for digits in range(3, 9)}
    shown |= {f"{value:.{decimals}f}" for decimals in range(2, 7)}
    return shown


def numbers_in(text: str) -> list[float]:
    found = []
    for match in NUMBER.finditer(text):
        written = match.group().replace("−", "-").replace(" ", "")
        written = re.sub(r"\\times10\^\{?([-+]?\d+)\}?", r"e\1", written)
        try:
            found.append(float(written))
        except ValueError:
            continue
    return found


def holds_tensor(text: str, tensor, rtol: float = 1e-9) -> bool:
    """Whether the entries of `tensor` appear one after another among the numbers of `text`."""
    wanted = np.ravel(np.asarray(tensor, dtype=float))
    numbers = np.array(numbers_in(text))
    if len(numbers) < len(wanted) or not len(wanted):
        return False
    for start in range(len(numbers) - len(wanted) + 1):
        if np.allclose(numbers[start:start + len(wanted)], wanted, rtol=rtol, atol=1e-15):
            return True
    return False


def distinctive(tensor) -> bool:
    """A tensor worth looking for: at least 3 entries, not all the same, and not a short run of
    whole numbers (`5, 4, 3, 2, 2` turns up in any text)."""
    flat = np.ravel(np.asarray(tensor, dtype=float))
    whole = bool(np.all(flat == np.round(flat)))
    return flat.size >= (8 if whole else 3) and len(set(flat.tolist())) > 1
