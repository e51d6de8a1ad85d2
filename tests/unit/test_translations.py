"""Marketing edits the catalogs: every message must be translated, none fuzzy, and the
catalogs must know every string the code and templates use."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["pt_PT", "en"]


def _catalog(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            # Babel skips folders starting with "_" by default; templates/_components
            # holds copy too.
            "--ignore-dirs=.* node_modules __pycache__",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    catalog = _catalog(locale)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: missing translations for {untranslated}"
    assert not fuzzy, f"{locale}: fuzzy entries {fuzzy}"
    assert not catalog.fuzzy, f"{locale}: the catalog header is marked fuzzy"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_knows_every_string_in_the_code(locale, source_messages):
    known = {m.id for m in _catalog(locale) if m.id}
    missing = sorted(map(str, source_messages - known))
    assert not missing, f"run `make translations` and translate: {missing}"


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in _catalog("pt_PT"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[-1]))
        for text in strings:
            assert set(pattern.findall(text)) == wanted, message.id
