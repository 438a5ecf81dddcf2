"""The pharmacist's final check: the label and the container are scanned and must match the
fill, or the release is refused with the reason; the release is a signature (the password
typed again) kept on the fill and in the order's history; nothing is dispensed unreleased."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from pharmacy_app.accounts.models import SignInFailure, User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.dispensing.final_check import sign_and_release
from pharmacy_app.extensions import db
from pharmacy_app.workflow import WorkflowError
from tests.conftest import PASSWORD
from tests.labels.test_dispensing import at_field as field_markup
from tests.labels.test_dispensing import dispense_post, fill_of, history
from tests.labels.test_label_picture import SCANNING, barcodes_in


def at_field(page: str, name: str) -> str:
    """The field's markup, as the pharmacist reads it (entities unescaped)."""
    return html.unescape(field_markup(page, name))


def check_post(client, fill, follow_redirects=False, **changes):
    data = {"label_scan": fill.code, "container_scan": fill.batch_number, "password": PASSWORD}
    return client.post(
        f"/compounding/records/{fill.record_id}/final-check",
        data=data | changes,
        follow_redirects=follow_redirects,
    )


def released_at(app, fill):
    with app.app_context():
        return db.session.get(CompoundingRecord, fill.record_id).released_at


def test_the_page_shows_the_label_text_worksheet_lots_and_accepted_deviations(
    app, signed_in, labelled, make_user
):
    fill = labelled()
    decider = make_user("pharmacist")
    with app.app_context():  # a deviation a pharmacist accepted at sign-off
        record = db.session.get(CompoundingRecord, fill.record_id)
        active = next(c for c in record.components if c.role == "active")
        active.decision_reason, active.decided_by_id = "Re-weighed; assay confirmed", decider.id
        lots = [(c.lot.lot_number, c.lot.expiry_date) for c in record.components]
        figure = record.worksheet[0]["what"]
        db.session.commit()
    page = signed_in("pharmacist").get(f"/compounding/records/{fill.record_id}/final-check")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert fill.code in text and "Take 1 capsule" in text and "Naltrexone HCl 4.5 mg" in text
    assert figure in text
    for number, expiry in lots:
        assert number in text and f"{expiry:%m/%d/%Y}" in text
    assert "Re-weighed; assay confirmed" in text and "Pharmacist User" in text
    assert 'name="label_scan"' in text and "autofocus" in at_field(text, "label_scan")


def test_a_release_is_signed_and_written_in_the_history(app, signed_in, labelled):
    fill = labelled()
    pharmacist = signed_in("pharmacist")
    answer = check_post(pharmacist, fill)
    assert answer.status_code == 303
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.record_id)
        assert record.released_at is not None
        assert record.released_by_id == pharmacist.user.id
        assert record.release_meaning == "released"
    kind, detail = history(app, fill.order_id)[-1]
    assert kind == "released"
    assert f"label {fill.code} and container {fill.batch_number} scanned" in detail
    assert f"signed by Pharmacist User ({pharmacist.user.username}), meaning: released" in detail
    page = pharmacist.get(f"/compounding/records/{fill.record_id}/final-check")
    assert "released by Pharmacist User on" in page.get_data(as_text=True)


def test_scans_are_read_as_a_scanner_sends_them(app, signed_in, labelled):
    fill = labelled()
    answer = check_post(
        signed_in("pharmacist"),
        fill,
        label_scan=f"]C0{fill.code.lower()}\r\n",  # AIM prefix, lower case, CR LF
        container_scan=f"\t{fill.batch_number.lower()} ",
    )
    assert answer.status_code == 303
    assert released_at(app, fill) is not None


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ("999999-F01", "Wrong label: it is for RX-999999, not"),
        ("{rx}-F02", "Wrong label: it is fill 2's label of"),
        ("{rx}", "is not a fill label's code. Scan the barcode on the patient label"),
        ("", "Scan the barcode on the patient label"),
    ],
)
def test_a_wrong_label_is_refused_at_its_field(app, signed_in, labelled, scan, message):
    fill = labelled()
    scan = scan.format(rx=fill.rx_number.removeprefix("RX-"))
    answer = check_post(signed_in("pharmacist"), fill, label_scan=scan)
    assert answer.status_code == 422
    assert message in at_field(answer.get_data(as_text=True), "label_scan")
    assert released_at(app, fill) is None


def test_a_wrong_container_is_refused_at_its_field(app, signed_in, labelled):
    fill, other = labelled(), labelled(patient={"first_name": "Ingrid"})
    pharmacist = signed_in("pharmacist")
    answer = check_post(pharmacist, fill, container_scan=other.batch_number)
    field = at_field(answer.get_data(as_text=True), "container_scan")
    assert answer.status_code == 422
    assert f"Wrong container: it carries {other.batch_number}, not this fill's batch" in field
    # The patient label scanned twice is not the container.
    field = at_field(
        check_post(pharmacist, fill, container_scan=fill.code).get_data(as_text=True),
        "container_scan",
    )
    assert "That is a patient label's code: scan the batch label on the container" in field
    assert released_at(app, fill) is None


def test_a_technician_cannot_release(app, signed_in, labelled):
    fill = labelled()
    technician = signed_in("technician")
    assert check_post(technician, fill).status_code == 403
    page = technician.get(f"/compounding/records/{fill.record_id}/final-check")
    assert "A pharmacist scans the label" in page.get_data(as_text=True)
    with app.app_context():  # nor through the service
        record = db.session.get(CompoundingRecord, fill.record_id)
        user = db.session.get(User, technician.user.id)
        with pytest.raises(WorkflowError, match="Only a pharmacist can release"):
            sign_and_release(
                record,
                user,
                password=PASSWORD,
                address="127.0.0.1",
                label_scan=fill.code,
                container_scan=fill.batch_number,
            )
    assert released_at(app, fill) is None


def test_a_wrong_password_is_refused_and_counted_as_a_failed_sign_in(app, signed_in, labelled):
    fill = labelled()
    pharmacist = signed_in("pharmacist")
    answer = check_post(pharmacist, fill, password="not my password")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "That is not your password: the fill was not released" in at_field(text, "password")
    assert "not my password" not in text
    assert released_at(app, fill) is None
    with app.app_context():
        failures = select(func.count()).select_from(SignInFailure)
        assert (
            db.session.scalar(failures.where(SignInFailure.username == pharmacist.user.username))
            == 1
        )


def test_a_second_release_is_refused_saying_who_released_it(app, signed_in, labelled):
    fill = labelled()
    check_post(signed_in("pharmacist"), fill)
    again = check_post(signed_in("pharmacist"), fill, follow_redirects=True)
    assert "was already released by Pharmacist User on" in again.get_data(as_text=True)
    assert [kind for kind, _ in history(app, fill.order_id)].count("released") == 1


def test_a_fill_is_not_dispensed_before_its_release(app, signed_in, labelled):
    fill = labelled()
    technician = signed_in("technician")
    page = technician.get(f"/compounding/records/{fill.record_id}/dispense")
    text = page.get_data(as_text=True)
    assert "has not passed its final check" in text and 'name="bag_scan"' not in text
    order_page = technician.get(f"/orders/{fill.order_id}").get_data(as_text=True)
    assert f'href="/compounding/records/{fill.record_id}/final-check">Final check' in order_page
    refused = dispense_post(technician, fill.record_id, follow_redirects=True)
    assert "has not passed its final check: a pharmacist scans its label" in refused.get_data(
        as_text=True
    )
    assert fill_of(app, fill.order_id).dispensed_at is None
    check_post(signed_in("pharmacist"), fill)
    order_page = technician.get(f"/orders/{fill.order_id}").get_data(as_text=True)
    assert f'href="/compounding/records/{fill.record_id}/dispense">Dispense' in order_page
    assert dispense_post(technician, fill.record_id).status_code == 303
    assert fill_of(app, fill.order_id).dispensed_at is not None


def test_an_unlabelled_fill_does_not_come_to_the_final_check(app, signed_in, ready_order):
    order_id = ready_order()
    record = fill_of(app, order_id)
    page = signed_in("pharmacist").get(f"/compounding/records/{record.id}/final-check")
    assert "Print the fill's label first" in html.unescape(page.get_data(as_text=True))


@pytest.mark.slow  # renders a PDF and reads it
@SCANNING
def test_the_worksheets_container_label_scans_as_the_batch_number(app, signed_in, labelled):
    fill = labelled()
    pdf = signed_in("technician").get(f"/compounding/records/{fill.record_id}/worksheet.pdf")
    assert barcodes_in(pdf.data) == [fill.batch_number]
