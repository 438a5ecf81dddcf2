"""The work queue: waiting orders first (oldest first), filters and pages."""

from __future__ import annotations

import re


def rx_numbers(page):
    return re.findall(r">(RX-\d+)</a>", page.get_data(as_text=True))


def test_orders_waiting_for_verification_come_first_oldest_first(
    app, api, make_user, token_for, signed_in, make_document
):
    first = api.post("/api/v1/orders", json=make_document()).get_json()
    second = api.post("/api/v1/orders", json=make_document()).get_json()
    third = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    pharmacist.post(f"/api/v1/orders/{first['id']}/verification")
    page = signed_in("technician").get("/orders")
    assert rx_numbers(page) == [second["rx_number"], third["rx_number"], first["rx_number"]]


def test_filters_by_status_patient_prescriber_rx_and_dates(api, signed_in, make_document):
    api.post("/api/v1/orders", json=make_document(date_received="2026-10-01"))
    other = api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "José", "last_name": "Núñez", "date_of_birth": "1960-01-01"},
            prescriber={"name": "Sam Hill", "license_number": "NP1", "credential": "NP"},
            date_received="2026-11-01",
        ),
    ).get_json()
    client = signed_in("technician")
    assert rx_numbers(client.get("/orders?patient=núñez")) == [other["rx_number"]]
    assert rx_numbers(client.get("/orders?patient=jose+nunez")) == [other["rx_number"]]
    assert rx_numbers(client.get("/orders?prescriber=hill")) == [other["rx_number"]]
    assert rx_numbers(client.get(f"/orders?rx={other['rx_number'][-3:]}")) == [other["rx_number"]]
    assert rx_numbers(client.get("/orders?received_from=2026-10-15")) == [other["rx_number"]]
    assert len(rx_numbers(client.get("/orders?received_to=2026-10-15"))) == 1
    assert rx_numbers(client.get("/orders?status=verified")) == []


def test_the_queue_pages_by_25(api, signed_in, make_document):
    for _ in range(27):
        api.post("/api/v1/orders", json=make_document())
    client = signed_in("technician")
    assert len(rx_numbers(client.get("/orders"))) == 25
    second = client.get("/orders?page=2")
    assert len(rx_numbers(second)) == 2
    assert "Page 2 of 2" in second.get_data(as_text=True)


def test_home_page_counts_orders_by_status(api, signed_in, make_document):
    api.post("/api/v1/orders", json=make_document())
    page = signed_in("technician").get("/").get_data(as_text=True)
    assert re.search(r'<span class="number">1</span> Waiting for verification', page)


def test_work_to_do_comes_oldest_first_and_finished_orders_last(
    app, api, make_user, token_for, signed_in, make_document
):
    def patient(n):
        return {"first_name": f"P{n}", "date_of_birth": f"1970-01-{n + 1:02d}"}

    orders = [
        api.post("/api/v1/orders", json=make_document(patient=patient(n))).get_json()
        for n in range(4)
    ]
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    for order in orders[:2]:
        pharmacist.post(f"/api/v1/orders/{order['id']}/verification")
    pharmacist.post(f"/api/v1/orders/{orders[2]['id']}/rejection", json={"reason": "Cancelled"})
    page = signed_in("technician").get("/orders")
    assert rx_numbers(page) == [
        o["rx_number"] for o in (orders[3], orders[0], orders[1], orders[2])
    ]


def test_a_date_range_that_ends_before_it_starts_says_so(signed_in):
    page = signed_in("technician").get("/orders?received_from=2026-11-10&received_to=2026-11-01")
    assert "before the “from” date" in page.get_data(as_text=True)
