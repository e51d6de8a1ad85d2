"""Print a back-office session cookie (`staff=...`) for Lighthouse to audit /staff pages.

Adds an owner to the database the audited server uses (from the environment run.sh sets)
and signs a session for them the way the sign-in button does. Only for this audit: the
shop itself never mints a session without the emailed link.
"""

from __future__ import annotations

from flask import Response

from app import create_app
from app.staff.accounts import add_member
from app.staff.sessions import begin_session, cookie_name

AUDITOR = "lighthouse@cafecomvendas.invalid"


def main() -> None:
    app = create_app()
    with app.test_request_context("/staff/"):
        member = add_member(AUDITOR, "owner")
        response = Response()
        begin_session(response, member)
        name = cookie_name()
        header = response.headers["Set-Cookie"]
    print(header.split(";", 1)[0] if header.startswith(f"{name}=") else "")


if __name__ == "__main__":
    main()
