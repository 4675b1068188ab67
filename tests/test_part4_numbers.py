"""Tests of book.part4.numbers: the generated English → Chinese number task."""
import pytest

from book.part4.numbers import chinese, english, make_pairs


@pytest.mark.parametrize("n, en, zh", [
    (0, "zero", "零"), (7, "seven", "七"), (10, "ten", "十"), (15, "fifteen", "十五"),
    (20, "twenty", "二十"), (42, "forty two", "四十二"), (100, "one hundred", "一百"),
    (105, "one hundred and five", "一百零五"), (110, "one hundred and ten", "一百一十"),
    (999, "nine hundred and ninety nine", "九百九十九"), (1000, "one thousand", "一千"),
    (1005, "one thousand and five", "一千零五"), (1010, "one thousand and ten", "一千零一十"),
    (1100, "one thousand one hundred", "一千一百"), (2019, "two thousand and nineteen", "二千零一十九"),
    (3005, "three thousand and five", "三千零五"), (4050, "four thousand and fifty", "四千零五十"),
    (7301, "seven thousand three hundred and one", "七千三百零一"), (9999, "nine thousand nine hundred and ninety nine", "九千九百九十九"),
])
def test_known_values(n, en, zh):
    assert english(n) == en
    assert chinese(n) == zh


def test_every_number_is_distinct():
    assert len({english(n) for n in range(10000)}) == 10000
    assert len({chinese(n) for n in range(10000)}) == 10000


def test_chinese_has_no_double_zero_or_trailing_zero():
    for n in range(1, 10000):
        s = chinese(n)
        assert "零零" not in s and not s.endswith("零"), (n, s)


def test_pairs():
    assert make_pairs([3005]) == [(["three", "thousand", "and", "five"], ["三", "千", "零", "五"])]


@pytest.mark.parametrize("bad", [-1, 10000, 2.5, "7", True, None])
def test_bad_input(bad):
    with pytest.raises(ValueError, match="0 到 9999"):
        english(bad)
    with pytest.raises(ValueError, match="0 到 9999"):
        chinese(bad)
