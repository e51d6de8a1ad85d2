import re
from urllib.parse import unquote

from app.paths import PROJECT_ROOT
from tests.integration.helpers import NBSP, scripts_after_first_view


def test_landing_is_portuguese_at_root(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="pt-PT">' in response.text
    assert "Bilhetes" in response.text
    assert "Perguntas frequentes" in response.text
    assert f"147,00{NBSP}€" in response.text
    assert "<details" in response.text


def test_landing_is_english_under_en(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Frequently asked questions" in response.text
    assert "€147.00" in response.text
    assert "Bilhetes" not in response.text


def test_every_page_has_a_language_switch_to_the_same_page(client):
    pt = client.get("/checkout/bilhete-geral").text
    assert 'href="/en/checkout/bilhete-geral"' in pt
    en = client.get("/en/checkout/bilhete-geral").text
    assert 'href="/checkout/bilhete-geral"' in en
    assert 'hreflang="pt-PT" href="http://shop.test/checkout/bilhete-geral"' in en


def test_offers_show_seats_left_and_lead_to_checkout(client):
    html = client.get("/").text
    assert 'data-seats-left="80"' in html
    assert "Restam 80 lugares" in html
    assert 'href="/checkout/bilhete-geral"' in html


def test_demo_mode_is_announced_on_every_page(client):
    for url in ["/", "/en/", "/checkout/bilhete-vip", "/leads", "/legal/privacy", "/nope"]:
        html = client.get(url).text
        assert "demo-banner" in html, url
    assert "Modo de demonstração" in client.get("/").text
    assert "Demo mode" in client.get("/en/").text


def test_event_content_comes_from_the_data_file(client):
    html = client.get("/").text
    assert "Palácio das Laranjeiras" in html
    assert "Receção e café de boas-vindas" in html
    assert "Arrival and welcome coffee" in client.get("/en/").text


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_localized_404(client):
    pt = client.get("/nao-existe")
    assert pt.status_code == 404
    assert "Página não encontrada" in pt.text
    en = client.get("/en/does-not-exist")
    assert en.status_code == 404
    assert "Page not found" in en.text
    assert '<html lang="en">' in en.text


def test_unknown_offer_is_404(client):
    assert client.get("/checkout/nao-existe").status_code == 404


def test_security_headers_and_nonce(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_htmx_is_self_hosted_with_a_hashed_name(client):
    html = client.get("/").text
    [url] = [url for url in scripts_after_first_view(html) if "/htmx." in url]
    assert re.fullmatch(r"/static/built/htmx\.[0-9a-f]{10}\.js", url)
    asset = client.get(url)
    assert asset.status_code == 200
    assert "htmx" in asset.get_data(as_text=True)[:5000]
    assert "immutable" in asset.headers.get("Cache-Control", "")


def test_policy_pages_in_both_languages(client):
    assert "Política de privacidade" in client.get("/legal/privacy").text
    # One privacy policy: its first address (old emails, bookmarks) leads to it.
    moved = client.get("/en/privacy")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/en/legal/privacy"
    assert "Terms of sale" in client.get("/en/terms").text


def test_robots_and_sitemap(client):
    assert "Disallow: /order/" in client.get("/robots.txt").text
    assert "<loc>http://shop.test/en/</loc>" in client.get("/sitemap.xml").text


def test_the_first_view_asks_for_no_script_and_no_icon_before_it_is_shown(client):
    # Scripts only enhance these pages, and the icon is ours: fetched during the first
    # paint, each costs a phone its Largest Contentful Paint (Lighthouse's budgets,
    # lighthouse/lighthouserc.json). htmx comes first, so the page scripts that listen to
    # it are there for its events.
    icon = (PROJECT_ROOT / "static" / "img" / "favicon.svg").read_bytes()
    for path in ("/", "/checkout/bilhete-geral", "/leads"):
        html = client.get(path).text
        assert not re.search(r"<script[^>]*\ssrc=", html), path
        assert "/htmx." in scripts_after_first_view(html)[0], path
        href = re.search(r'<link rel="icon" href="data:image/svg\+xml,([^"]+)"', html)
        assert href and unquote(href.group(1)).encode() == icon, path
