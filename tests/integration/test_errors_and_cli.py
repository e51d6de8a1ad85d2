import re
from datetime import timedelta

import yaml
from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.models import Order
from app.timeutil import utcnow
from tests.integration.helpers import check_out


def test_500_page_is_localized_and_hides_the_stack_trace(make_app):
    # Not TESTING: a test app hands the exception to the test instead of the 500 page.
    with make_app(TESTING=False) as broken:

        @broken.get("/boom")
        def boom():
            raise RuntimeError("secret internals")

        client = broken.test_client()
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Algo correu mal do nosso lado" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_429_page_is_localized_with_retry_after(make_app, db):
    with make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="2 per minute",
        RATELIMIT_STORAGE_URI="memory://",
    ) as limited:
        client = limited.test_client()
        assert client.get("/en/").status_code == 200
        assert client.get("/en/").status_code == 200
        response = client.get("/en/")
        assert response.status_code == 429
        assert "Too many requests" in response.text
        assert int(response.headers["Retry-After"]) > 0
        assert client.get("/healthz").status_code == 200


def test_catalog_sync_updates_prices_and_retires_offers(app, db, event_file, tmp_path):
    data = yaml.safe_load(event_file.read_text(encoding="utf-8"))
    data["offers"][0]["price"] = "99.90"
    data["offers"] = data["offers"][:1]
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "sync", "--file", str(edited)])
    assert result.exit_code == 0, result.output
    assert re.search(r"1 updated, 1 retired", result.output)
    db.session.expire_all()
    offers = {o.slug: o for o in db.session.scalars(select(Offer))}
    assert offers["bilhete-geral"].price_cents == 9990
    assert offers["bilhete-vip"].active is False


def test_catalog_sync_reports_mistakes_for_marketing(app, db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: x\noffers: []\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "sync", "--file", str(bad)])
    assert result.exit_code != 0
    assert "starts_at" in result.output


def test_payments_reconcile_command_expires_overdue_orders(app, client, db):
    check_out(client, payment_method="mb_way")
    order = _db.session.scalar(select(Order))
    order.expires_at = utcnow() - timedelta(seconds=5)
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "1 orders expired" in result.output
    _db.session.refresh(order)
    assert order.status == "expired"
