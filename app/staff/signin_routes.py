"""Signing in and out of the back office (every other staff page needs a session)."""

from __future__ import annotations

from flask import Response, redirect, request, url_for

from app.extensions import db
from app.staff.forms import SignInForm
from app.staff.guard import current_member, safe_next, staff_blueprint
from app.staff.roles import HOME
from app.staff.second_factor import code_is_right, needs_code
from app.staff.sessions import begin_session, end_session
from app.staff.signin import check_link, link_minutes, request_sign_in, use_link
from app.timeutil import utcnow
from app.web.limits import limited
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_signin", __name__)


@bp.get("/login")
def login() -> Response:
    form = SignInForm(next=safe_next(request.args.get("next")) or "")
    return render_page("staff/login.html", form=form)


@bp.post("/login")
# Each try may send an email: a member needs one or two, a script many.
@limited("5 per minute; 20 per hour")
def send_link() -> Response:
    form = SignInForm()
    if not form.validate_on_submit():
        return render_page("staff/login.html", "sign_in_form", status=422, form=form)
    request_sign_in(form.email.data)
    # The same answer for an address that is not the team's.
    return redirect_after_post(url_for("staff_signin.sent"))


@bp.get("/login/sent")
def sent() -> Response:
    return render_page("staff/login_sent.html", minutes=link_minutes())


@bp.get("/login/<token>")
@limited("30 per minute", methods=("GET",))
def link(token: str) -> Response:
    """The emailed link opens a page with one button: a mail scanner that opens links
    does not use it up."""
    check = check_link(token)
    status = 200 if check.state == "ok" else 410 if check.state in {"used", "expired"} else 400
    ask_code = check.link is not None and needs_code(check.link.member)
    return render_page(
        "staff/login_link.html", state=check.state, token=token, status=status, ask_code=ask_code
    )


@bp.post("/login/<token>")
@limited("10 per minute")
def use_link_now(token: str) -> Response:
    check = check_link(token)
    member = check.link.member if check.state == "ok" and check.link is not None else None
    # The code first (for members with a second factor): a wrong one leaves the link
    # unused, for another try.
    code = request.form.get("code", "")
    if member is not None and needs_code(member) and not code_is_right(member, code):
        return render_page(
            "staff/login_link.html",
            state="ok",
            token=token,
            ask_code=True,
            code_error=True,
            status=422,
        )
    member = use_link(token)
    if member is None:
        return render_page(
            "staff/login_link.html", state=check_link(token).state, token=token, status=410
        )
    target = safe_next(request.form.get("next")) or url_for(HOME[member.role])
    response = redirect(target, code=303)
    begin_session(response, member)
    return response


@bp.post("/logout")
def logout() -> Response:
    response = redirect(url_for("staff_signin.login"), code=303)
    end_session(response)
    return response


@bp.post("/logout/everywhere")
def logout_everywhere() -> Response:
    """End every session of this member, on every device (a lost phone)."""
    current_member().sessions_valid_after = utcnow()
    db.session.commit()
    response = redirect(url_for("staff_signin.login"), code=303)
    end_session(response)
    return response
