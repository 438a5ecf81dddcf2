"""The renewal request names where to fax it: the prescriber's numbers on file."""

from __future__ import annotations

from tests.labels.conftest import pdf_text


def test_the_renewal_request_prints_the_fax_to_send_it_to(app, signed_in, dispensed_order):
    order_id = dispensed_order(refills=0, prescriber={"fax": "503-555-0199"})
    answer = signed_in("technician").post(f"/orders/{order_id}/renewal-request")
    text = " ".join(pdf_text(answer.data)[0])
    assert "Fax (503) 555-0199" in " ".join(text.split())
