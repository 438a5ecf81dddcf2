"""Renders a label to PNG for a person to look at (tests/artifacts/label.png)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# Renders and reads PDFs with WeasyPrint: left out of `scripts/test --quick`, run in CI.
pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_label_renders_to_a_picture(signed_in, ready_order, tmp_path):
    order_id = ready_order(patient={"first_name": "Zoë", "last_name": "Nguyễn"})
    pdf = signed_in("technician").post(f"/orders/{order_id}/label").data
    (tmp_path / "label.pdf").write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-singlefile",
            str(tmp_path / "label.pdf"),
            str(ARTIFACTS / "label"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "label.png").stat().st_size > 5000


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbar-tools or poppler-utils not installed",
)
@pytest.mark.parametrize("dpi", ["203", "300"])
def test_the_barcode_scans_at_thermal_printer_resolutions(signed_in, ready_order, tmp_path, dpi):
    order_id = ready_order()
    (tmp_path / "label.pdf").write_bytes(
        signed_in("technician").post(f"/orders/{order_id}/label").data
    )
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            dpi,
            "-singlefile",
            str(tmp_path / "label.pdf"),
            str(tmp_path / "label"),
        ],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "label.png")], capture_output=True, text=True
    )
    assert scanned.stdout.strip() == "RX-100001"
