"""book.numfmt: one formatter for numbers in Chinese prose (issue 28 item 7)."""
from __future__ import annotations

import numpy as np
import pytest

from book.numfmt import Formatted, num, percent, power_of_ten


@pytest.mark.parametrize("x, digits, text", [
    (3.1496e23, 3, "3.15×10²³"),
    (3.14e23, 3, "3.14×10²³"),
    (0.000123, 3, "1.23×10⁻⁴"),
    (3e-13, 1, "3×10⁻¹³"),
    (0.8512, 2, "0.85"),
    (0.8512, 3, "0.851"),
    (12345.6, 3, "12346"),
    (2.0, 3, "2.00"),
    (-0.289, 3, "-0.289"),
    (-0.0, 3, "0"),
    (0.0, 3, "0"),
    (-1e-9, 3, "-1.00×10⁻⁹"),
    (9.996e-4, 3, "0.00100"),    # rounds up into the plain range
    (999999.7, 3, "1000000"),
    (2.5e6, 2, "2.5×10⁶"),
    (np.float64(0.5), 2, "0.50"),
    (np.int64(42), 3, "42"),
    (7, 3, "7"),
    (10**9, 3, "1.00×10⁹"),
])
def test_numbers_read_as_prose(x, digits, text):
    out = num(x, digits)
    assert out == text
    assert "e+" not in out and "e-" not in out and "np." not in out


def test_formatted_shows_without_quotes():
    from IPython.core.formatters import PlainTextFormatter

    value = num(3.1496e23)
    assert isinstance(value, Formatted)
    assert repr(value) == "3.15×10²³"
    assert PlainTextFormatter()(value) == "3.15×10²³"  # what {glue:text} and a cell show


def test_percent_and_powers():
    assert percent(0.1234) == "12.3%"
    assert percent(1) == "100%"
    assert power_of_ten(-4) == "10⁻⁴" and power_of_ten(23) == "10²³"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "3.0", None, True, np.array([1.0, 2.0])])
def test_bad_input_is_refused_in_chinese(bad):
    with pytest.raises((TypeError, ValueError), match="应为"):
        num(bad)


@pytest.mark.parametrize("digits", [0, 16, 2.5, True])
def test_bad_digits(digits):
    with pytest.raises(ValueError, match="有效数字"):
        num(1.0, digits)
