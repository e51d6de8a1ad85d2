"""Marketing edits the texts that count tickets (ngettext plurals) as it edits any other:
one text per form and language, drafted, previewed by staff only, published to what a
buyer of one and a buyer of two read, reverted to the catalog; each form keeps its own
source's placeholders; a text kept for a message that has since become plural is listed
as no longer used instead of silently lost."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.orders.models import Order
from app.timeutil import utcnow
from app.wording.commands import merge_into_catalogs
from app.wording.messages import TRANSLATIONS, message_key
from app.wording.models import PUBLISHED, WordingOverride
from tests.integration.helpers import deliver_until_settled, fresh, outbox_settings, read_eml
from tests.integration.staff_helpers import sign_in
from tests.integration.test_ticket_wording import _card_order

PAID = "Payment confirmed: your seat is yours!"
PAID_KEY = message_key(PAID)
HELD = "Your seat is held until %(time)s."
SEATS_LEFT = "%(num)d seat left"
# What the paid order's heading says today, by language: (one ticket, several).
CATALOG = {
    "pt": (
        "Pagamento confirmado: o seu lugar está garantido!",
        "Pagamento confirmado: os seus lugares estão garantidos!",
    ),
    "en": ("Payment confirmed: your seat is yours!", "Payment confirmed: your seats are yours!"),
}
EDITED = {
    "pt_PT_0": "Está pago: o lugar é seu!",
    "pt_PT_1": "Está pago: os lugares são seus!",
    "en_0": "Paid: the seat is yours!",
    "en_1": "Paid: the seats are yours!",
}
PREFIX = {"pt": "", "en": "/en"}


def _paid_orders(client) -> dict[int, Order]:
    """A paid order of one ticket and one of two, paid through the demo card."""
    orders = {}
    for quantity in (1, 2):
        order = _card_order(quantity, f"plural{quantity}@example.pt")
        paid = client.post(f"/demo/card/{order.public_token}", data={"cardholder_name": "Rita"})
        assert paid.status_code == 303
        orders[quantity] = fresh(order)
        assert orders[quantity].status == "paid"
    return orders


def _heading(client, order: Order, lang: str) -> str:
    page = client.get(f"{PREFIX[lang]}/order/{order.public_token}").get_data(as_text=True)
    return re.search(r"<h2>([^<]*)</h2>", page).group(1)


def _read(client, orders: dict[int, Order]) -> dict[str, tuple[str, str]]:
    """What the buyer of one and the buyer of two read on the paid order page."""
    return {
        lang: (_heading(client, orders[1], lang), _heading(client, orders[2], lang))
        for lang in PREFIX
    }


def test_the_editor_lists_a_plural_message_with_both_sources_and_forms(client):
    staff = sign_in(client, "marketing")
    # Found by its plural source, and by a form's text only the plural has.
    for search in ("seats are yours", "lugares estão garantidos"):
        listing = staff.get(f"/staff/wording?q={search}").get_data(as_text=True)
        assert f'data-message="{PAID_KEY}"' in listing, search
    assert CATALOG["pt"][1] in listing and CATALOG["en"][1] in listing
    assert "Vários (0, 2 ou mais)" in listing

    edit = staff.get(f"/staff/wording/{PAID_KEY}").get_data(as_text=True)
    assert PAID in edit and "Payment confirmed: your seats are yours!" in edit
    # One text per form and language, named in the back office's Portuguese.
    for field in EDITED:
        assert f'name="{field}"' in edit
    assert "Um (1)" in edit and "Vários (0, 2 ou mais)" in edit
    assert 'data-plural-forms="pt_PT"' in edit and 'data-plural-forms="en"' in edit


def test_publishing_a_plural_form_changes_what_buyers_of_one_and_two_read(client):
    orders = _paid_orders(client)
    assert _read(client, orders) == CATALOG
    staff = sign_in(client, "marketing")

    drafted = staff.post(f"/staff/wording/{PAID_KEY}", data={**EDITED, "then": "draft"})
    assert drafted.status_code == 303 and "done=drafted" in drafted.location
    # A draft: buyers still read the catalog's words.
    assert _read(client, orders) == CATALOG
    listing = staff.get("/staff/wording?show=changed").get_data(as_text=True)
    assert f'data-message="{PAID_KEY}"' in listing and "4 rascunhos à espera" in listing

    published = staff.post(f"/staff/wording/{PAID_KEY}", data={**EDITED, "then": "publish"})
    assert published.status_code == 303
    assert _read(client, orders) == {
        "pt": (EDITED["pt_PT_0"], EDITED["pt_PT_1"]),
        "en": (EDITED["en_0"], EDITED["en_1"]),
    }
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "wording.publish"))
    assert [entry for entry in audit]

    # Back to the catalog for two tickets in Portuguese only: the other three stay.
    reverted = staff.post(
        f"/staff/wording/{PAID_KEY}/revert",
        data={"locale": "pt_PT", "form": "1", "version": "catalog"},
    )
    assert reverted.status_code == 303
    assert _read(client, orders) == {
        "pt": (EDITED["pt_PT_0"], CATALOG["pt"][1]),
        "en": (EDITED["en_0"], EDITED["en_1"]),
    }
    # The history names each version's form, and an earlier one can be made live again.
    history = staff.get(f"/staff/wording/{PAID_KEY}").get_data(as_text=True)
    assert "Vários (0, 2 ou mais) · anterior · «Está pago: os lugares são seus!»" in history
    earlier = db.session.scalar(
        select(WordingOverride).where(
            WordingOverride.msgid_hash == PAID_KEY,
            WordingOverride.locale == "pt_PT",
            WordingOverride.form == 1,
        )
    )
    again = staff.post(
        f"/staff/wording/{PAID_KEY}/revert",
        data={"locale": "pt_PT", "form": "1", "version": str(earlier.id)},
    )
    assert again.status_code == 303
    assert _read(client, orders)["pt"] == (EDITED["pt_PT_0"], EDITED["pt_PT_1"])
    # A version of one form is not made live in another.
    crossed = staff.post(
        f"/staff/wording/{PAID_KEY}/revert",
        data={"locale": "pt_PT", "form": "0", "version": str(earlier.id)},
    )
    assert crossed.status_code == 404
    # A plural message has no form-less text to revert.
    formless = staff.post(
        f"/staff/wording/{PAID_KEY}/revert", data={"locale": "pt_PT", "version": "catalog"}
    )
    assert formless.status_code == 400


def test_a_published_plural_subject_reaches_the_confirmation_emails(app, client, tmp_path):
    # The worker composes emails outside any request: the live layer serves it too.
    subject = "Your ticket for %(event)s is confirmed"
    forms = {
        "pt_PT_0": "Bilhete garantido para o %(event)s",
        "pt_PT_1": "Bilhetes garantidos para o %(event)s",
        "en_0": "Ticket secured for %(event)s",
        "en_1": "Tickets secured for %(event)s",
    }
    staff = sign_in(client, "marketing")
    published = staff.post(
        f"/staff/wording/{message_key(subject)}", data={**forms, "then": "publish"}
    )
    assert published.status_code == 303
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL="", OUTBOX_BACKOFF_SECONDS=0.01):
        _paid_orders(client)
        deliver_until_settled("email")
        subjects = sorted(str(mail["Subject"]) for mail in read_eml(tmp_path))
    assert subjects == [
        "Bilhete garantido para o Café com Vendas",
        "Bilhetes garantidos para o Café com Vendas",
    ]


def test_the_preview_shows_a_plural_draft_to_staff_only(app, client):
    staff = sign_in(client, "owner")
    fields = {
        "pt_PT_0": "Só resta %(num)d lugar",
        "pt_PT_1": "Só restam %(num)d lugares",
        "en_0": "%(num)d seat left",
        "en_1": "Only %(num)d seats left",
    }
    key = message_key(SEATS_LEFT)
    assert staff.post(f"/staff/wording/{key}", data={**fields, "then": "draft"}).status_code == 303
    preview = staff.get("/staff/wording/preview?lang=pt_PT").get_data(as_text=True)
    assert "Só restam " in preview
    assert "Only " in staff.get("/staff/wording/preview?lang=en").get_data(as_text=True)

    visitor = app.test_client()
    assert "Só restam " not in visitor.get("/").get_data(as_text=True)
    assert "Only " not in visitor.get("/en/").get_data(as_text=True)
    assert visitor.get("/staff/wording/preview?lang=pt_PT").status_code in (302, 303, 403)
    # Published, the landing (a kept page) says it to everyone.
    assert (
        staff.post(f"/staff/wording/{key}", data={**fields, "then": "publish"}).status_code == 303
    )
    assert "Só restam " in visitor.get("/").get_data(as_text=True)


def test_each_form_keeps_its_own_sources_placeholders(client):
    staff = sign_in(client, "marketing")
    key = message_key(HELD)
    fields = {
        "pt_PT_0": "O seu lugar fica seu até %(time)s.",
        "pt_PT_1": "Os seus lugares ficam seus até breve.",
        "en_0": "Your seat is held until %(time)s.",
        "en_1": "Your seats are held until %(time)s.",
    }
    refused = staff.post(f"/staff/wording/{key}", data={**fields, "then": "publish"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # Which text, which form, which placeholder; what was typed stays.
    assert "o texto em português para vários" in page and "%(time)s" in page
    assert "Os seus lugares ficam seus até breve." in page
    # A number the source does not show may not be added to a form either.
    added = {**fields, "pt_PT_1": "Os seus %(num)d lugares ficam seus até %(time)s."}
    refused = staff.post(f"/staff/wording/{key}", data={**added, "then": "draft"})
    assert refused.status_code == 422
    assert db.session.scalars(select(WordingOverride)).all() == []


def test_a_text_kept_for_a_message_now_plural_is_listed_as_no_longer_used(client):
    orders = _paid_orders(client)
    # Published before the message counted tickets: kept under its singular msgid.
    now = utcnow()
    for msgid, text in ((PAID, "Pago! O lugar é seu."), ("Gone from the shop", "Já não existe")):
        db.session.add(
            WordingOverride(
                msgid=msgid,
                msgid_hash=message_key(msgid),
                locale="pt_PT",
                text=text,
                state=PUBLISHED,
                created_at=now,
                published_at=now,
            )
        )
    db.session.commit()
    # Pages do not show it (ngettext reads the forms only)...
    assert _read(client, orders)["pt"] == CATALOG["pt"]
    staff = sign_in(client, "marketing")
    listing = staff.get("/staff/wording").get_data(as_text=True)
    # ...but marketing sees both, with their texts, and where the first one went.
    orphans = listing[listing.index("data-orphans") :]
    assert "Já não usados" in orphans
    assert "«Pago! O lugar é seu.»" in orphans and "«Já não existe»" in orphans
    assert f'href="/staff/wording/{PAID_KEY}"' in orphans
    # The message's edit page shows it beside the forms to type it into again, apart
    # from the history, which is its forms' only.
    edit = staff.get(f"/staff/wording/{PAID_KEY}").get_data(as_text=True)
    assert "<dd data-earlier>«Pago! O lugar é seu.»</dd>" in edit
    history = edit[edit.index("data-history") :]
    assert "Pago! O lugar é seu." not in history


def test_published_plural_forms_are_merged_into_the_catalogs(tmp_path: Path, monkeypatch):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    monkeypatch.setattr("app.wording.commands.TRANSLATIONS", copy)
    changed = merge_into_catalogs(
        {
            "pt_PT": {(PAID, 1): "Está pago: os lugares são seus!", PAID: "não é singular"},
            "en": {(PAID, 0): "Paid: the seat is yours!"},
        }
    )
    assert changed == 2  # the singular text for a plural message is not written
    for locale, strings in (
        ("pt_PT", (CATALOG["pt"][0], "Está pago: os lugares são seus!")),
        ("en", ("Paid: the seat is yours!", CATALOG["en"][1])),
    ):
        with (copy / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            assert read_po(po, locale=locale).get(PAID).string == strings
