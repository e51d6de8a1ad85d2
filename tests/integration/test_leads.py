from sqlalchemy import func, select

from app.customers.models import Customer
from app.leads.models import Lead
from tests.integration.helpers import confirm_by_link, csrf_token, lead_data


def _leads(db):
    return db.session.scalars(select(Lead)).all()


def test_lead_is_stored_and_answers_303_without_htmx(client, db):
    response = client.post("/leads", data=lead_data(marketing_consent="y"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/leads/thanks"
    lead = _leads(db)[0]
    assert lead.customer.name == "Ana-Sofia D'Ávila"
    assert lead.customer.journey_stage == "lead"
    # Consent counts only once the email's owner follows the link (double opt-in).
    assert lead.marketing_consent is False
    assert lead.locale == "pt_PT"
    assert "Os seus dados foram guardados" in client.get("/leads/thanks").text
    confirm_by_link(lead.id)
    db.session.expire_all()
    assert lead.marketing_consent is True
    assert lead.marketing_consent_at is not None
    assert lead.confirmed_at is not None


def test_same_email_twice_is_one_lead_changed_only_by_the_confirmed_link(client, db):
    client.post("/leads", data=lead_data(email="Ana@Example.pt", marketing_consent="y"))
    [lead] = _leads(db)
    confirm_by_link(lead.id)
    client.post("/en/leads", data=lead_data(email="ana@example.pt ", business_stage="established"))
    db.session.expire_all()
    leads = _leads(db)
    assert len(leads) == 1
    assert db.session.scalar(select(func.count(Customer.id))) == 1
    # The second submission waits for the address's owner.
    assert (leads[0].business_stage, leads[0].locale, leads[0].marketing_consent) == (
        "growing",
        "pt_PT",
        True,
    )
    confirm_by_link(lead.id)
    db.session.expire_all()
    assert leads[0].business_stage == "established"
    assert leads[0].locale == "en"
    # Leaving the box unticked, then confirming, withdraws marketing consent.
    assert leads[0].marketing_consent is False


def test_marketing_consent_is_unticked_by_default(client):
    html = client.get("/leads").text
    assert 'name="marketing_consent"' in html
    tag = html.split('name="marketing_consent"')[0].rsplit("<input", 1)[1]
    assert "checked" not in tag


def test_invalid_lead_keeps_what_was_typed_with_errors_in_portuguese(client, db):
    response = client.post(
        "/leads", data=lead_data(email="ana@", business_type="", name="Maria João")
    )
    assert response.status_code == 422
    assert "Este email não parece correto" in response.text
    assert "Escolha o tipo de negócio." in response.text
    assert 'value="Maria João"' in response.text
    assert 'value="ana@"' in response.text
    assert _leads(db) == []


def test_invalid_lead_errors_in_english(client):
    response = client.post("/en/leads", data=lead_data(name=""))
    assert response.status_code == 422
    assert "Please tell us your name." in response.text


def test_htmx_gets_only_the_form_block(client):
    response = client.post("/leads", data=lead_data(email="x"), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_success_swaps_in_the_thank_you_note(client, db):
    response = client.post("/leads", data=lead_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "data-lead-saved" in response.text
    assert "<html" not in response.text
    assert len(_leads(db)) == 1


def test_boosted_requests_get_the_whole_page(client):
    response = client.get("/leads", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.text


def test_inline_validation_of_one_field(client):
    response = client.post(
        "/leads/validate?field=email",
        data=lead_data(email="nope"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="field-email"' in response.text
    assert "Este email não parece correto" in response.text
    assert 'value="nope"' in response.text
    ok = client.post("/leads/validate?field=email", data=lead_data())
    assert "error" not in ok.text


def test_lead_form_needs_a_csrf_token(csrf_client, db):
    refused = csrf_client.post("/leads", data=lead_data())
    assert refused.status_code == 400
    assert "Este formulário expirou" in refused.text
    token = csrf_token(csrf_client.get("/").text)
    accepted = csrf_client.post("/leads", data={**lead_data(), "csrf_token": token})
    assert accepted.status_code == 303
    assert len(_leads(db)) == 1


def test_csrf_token_in_the_htmx_header_is_accepted(csrf_client, db):
    token = csrf_token(csrf_client.get("/").text)
    response = csrf_client.post(
        "/leads", data=lead_data(), headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert len(_leads(db)) == 1


def test_hostile_text_is_refused_and_shown_back_as_text(client, db):
    # Names are letters, spaces, hyphens, apostrophes and dots (tests/integration/
    # test_input_limits.py covers the rest): markup and SQL never reach the database.
    payload = "<script>alert(1)</script>'; DROP TABLE leads;--"
    response = client.post("/leads", data=lead_data(name=payload))
    assert response.status_code == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text
    assert _leads(db) == []
