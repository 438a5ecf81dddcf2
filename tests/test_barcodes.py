"""The fill code on a label and how a scan is read: one format, parsed in one place, with
whatever a scanner adds around it removed."""

from __future__ import annotations

import pytest

from pharmacy_app.barcodes import FillCode, clean_scan, fill_code, parse_fill_code, same_code


def test_a_fill_code_is_the_rx_digits_and_the_fill_number():
    assert fill_code("RX-100001", 2) == "100001-F02"
    assert fill_code("RX-100001", 12) == "100001-F12"
    assert fill_code("AB-7", 1) == "AB-7-F01"  # an Rx number of another form is kept whole


@pytest.mark.parametrize(
    ("scanned", "fill"),
    [
        ("100001-F02", FillCode("RX-100001", 2)),
        ("RX-100001-F02", FillCode("RX-100001", 2)),  # typed with the Rx number in full
        ("]C0100001-F02\r\n", FillCode("RX-100001", 2)),  # AIM prefix and CR LF
        ("\t100001-f02 ", FillCode("RX-100001", 2)),  # Tab suffix, Caps Lock off
        ("AB-7-F01", FillCode("AB-7", 1)),
        ("100001-F100", FillCode("RX-100001", 100)),
    ],
)
def test_a_scan_names_its_fill(scanned, fill):
    assert parse_fill_code(scanned) == fill
    assert parse_fill_code(fill_code(fill.rx_number, fill.fill_number)) == fill


@pytest.mark.parametrize(
    "scanned", ["", "100001", "RX-100001", "B261203-0001", "100001-F", "100001-F00", "-F01", "x"]
)
def test_what_is_not_a_fill_code_is_not_read_as_one(scanned):
    assert parse_fill_code(scanned) is None


def test_scans_compare_without_what_the_scanner_adds():
    assert clean_scan("]C0b261203-0001\r\n") == "B261203-0001"
    assert same_code(" b261203-0001\t", "B261203-0001")
    assert not same_code("B261203-0002", "B261203-0001")
    assert not same_code("", "")
