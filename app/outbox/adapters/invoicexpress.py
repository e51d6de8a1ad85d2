"""InvoiceXpress (certified Portuguese invoicing, REST API v2): invoice-receipts and
credit notes, finalised (which numbers them and communicates them to the tax
authority), their PDF, and the email to the buyer sent by InvoiceXpress.

Each document is looked up by our reference first, so a delivery retried after a
partial success (made but not finalised, finalised but not recorded) never makes two.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests

from app.outbox.adapters.base import send_json
from app.outbox.adapters.invoicing import INVOICE, InvoiceRequest, Issued
from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage

# Our kinds, as InvoiceXpress names them: (path, JSON root, list filter type).
DOCUMENTS = {
    INVOICE: ("invoice_receipts", "invoice_receipt", "InvoiceReceipt"),
    "credit_note": ("credit_notes", "credit_note", "CreditNote"),
}


def net_unit_price(gross_cents: int, rate: Decimal) -> float:
    """The price without VAT that InvoiceXpress multiplies by (1 + rate) back to the gross."""
    net = (Decimal(gross_cents) / 100 / (1 + Decimal(rate))).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return float(net)


def tax_name(rate: Decimal) -> str:
    """InvoiceXpress's default Portuguese taxes are named IVA23, IVA13, IVA6 and IVA0."""
    return f"IVA{int((Decimal(rate) * 100).to_integral_value())}"


def document_body(letter: InvoiceRequest) -> dict[str, Any]:
    """The document as InvoiceXpress takes it (dates as dd/mm/yyyy)."""
    day = letter.issued_on.strftime("%d/%m/%Y")
    body: dict[str, Any] = {
        "date": day,
        "due_date": day,
        "reference": letter.reference,
        "client": {
            "name": letter.name,
            # A client is found again by its code: the NIF, or this document alone.
            "code": letter.nif or letter.reference,
            "email": letter.email,
            "fiscal_id": letter.nif or "",
            "address": letter.address,
            "postal_code": letter.postcode,
            "city": letter.city,
            "country": "Portugal",
        },
        "items": [
            {
                "name": line.name,
                "description": line.name,
                "unit_price": net_unit_price(line.unit_gross_cents, line.vat_rate),
                "quantity": line.quantity,
                "tax": {"name": tax_name(line.vat_rate)},
            }
            for line in letter.lines
        ],
    }
    exemptions = {line.exemption_code for line in letter.lines if line.exemption_code}
    if exemptions:
        body["tax_exemption"] = sorted(exemptions)[0]
    if letter.corrects:
        body["owner_invoice_id"] = letter.corrects
    return body


class InvoiceXpressAdapter:
    channel = "invoicing"

    def __init__(self, config: dict[str, Any]) -> None:
        self.account = str(config.get("INVOICEXPRESS_ACCOUNT") or "").strip()
        self.api_key = str(config.get("INVOICEXPRESS_API_KEY") or "").strip()
        base = str(config.get("INVOICEXPRESS_API_BASE") or "").strip()
        self.base = (base or f"https://{self.account}.app.invoicexpress.com").rstrip("/")
        self.timeout = float(config.get("OUTBOX_HTTP_TIMEOUT", 10))

    @property
    def enabled(self) -> bool:
        return bool(self.account and self.api_key)

    def deliver(self, message: OutboxMessage, letter: InvoiceRequest) -> None:
        path, root, _type = DOCUMENTS[letter.kind]
        found = self._find(message, letter)
        if found is None:
            created = self._call(message, "POST", f"/{path}.json", {root: document_body(letter)})
            found = self._document(created, root)
        if found.get("status") not in {"final", "settled"}:
            finalised = self._call(
                message,
                "PUT",
                f"/{path}/{found['id']}/change-state.json",
                {root: {"state": "finalized"}},
            )
            found = {**found, **self._document(finalised, root)}
            if letter.email:
                self._email(message, path, found["id"], letter)
        number = found.get("inverted_sequence_number") or found.get("sequence_number")
        if not number:
            raise DeliveryFailed("InvoiceXpress finalised the document without a number")
        letter.record(
            Issued(
                provider="invoicexpress",
                number=str(number),
                external_id=str(found["id"]),
                pdf_url=self._pdf(message, found["id"]),
            )
        )

    # -- steps ---------------------------------------------------------------------

    def _call(
        self,
        message: OutboxMessage,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        return send_json(
            method,
            f"{self.base}{path}",
            message=message,
            timeout=self.timeout,
            json=body,
            headers={"Accept": "application/json"},
            params={"api_key": self.api_key, **(params or {})},
        )

    @staticmethod
    def _document(response: requests.Response, root: str) -> dict[str, Any]:
        try:
            document = response.json()[root]
            document["id"] = int(document["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryFailed(f"InvoiceXpress answered without a {root}") from exc
        return document

    def _find(self, message: OutboxMessage, letter: InvoiceRequest) -> dict[str, Any] | None:
        """The document already made for this reference (a retried delivery), if any."""
        _path, _root, kind = DOCUMENTS[letter.kind]
        response = self._call(
            message, "GET", "/invoices.json", params={"text": letter.reference, "type[]": kind}
        )
        try:
            listed = response.json().get("invoices") or []
        except ValueError as exc:
            raise DeliveryFailed("InvoiceXpress answered an unreadable list") from exc
        for document in listed:
            if (
                document.get("reference") == letter.reference
                and document.get("status") != "canceled"
            ):
                return {**document, "id": int(document["id"])}
        return None

    def _email(
        self, message: OutboxMessage, path: str, document_id: int, letter: InvoiceRequest
    ) -> None:
        self._call(
            message,
            "PUT",
            f"/{path}/{document_id}/email-document.json",
            {
                "message": {
                    "client": {"email": letter.email, "save": "0"},
                    "subject": "Café com Vendas",
                    "body": "A sua fatura do Café com Vendas segue em anexo. Obrigada!",
                }
            },
        )

    def _pdf(self, message: OutboxMessage, document_id: int) -> str | None:
        """The PDF's address; None while InvoiceXpress is still making it (202)."""
        response = self._call(message, "GET", f"/api/pdf/{document_id}.json")
        if response.status_code == 202:
            return None
        try:
            return str(response.json()["output"]["pdfUrl"])
        except (ValueError, KeyError, TypeError):
            return None
