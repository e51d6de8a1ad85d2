"""Build step for front-end files: copy them into static/built/ under content-hashed names.

htmx and jsQR (the door's QR decoder) come from node_modules (installed by `npm ci`, never
committed); our own CSS and JavaScript come from static/. Each file gets a name carrying
the first 10 hex digits of its SHA-256, brotli and gzip twins that WhiteNoise serves to
browsers that accept them, and an entry in static/built/manifest.json that templates read
through `asset_url()`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import brotli

from app.paths import PROJECT_ROOT

STATIC = PROJECT_ROOT / "static"
BUILT = STATIC / "built"
MANIFEST = BUILT / "manifest.json"

SOURCES: dict[str, Path] = {
    "htmx.js": PROJECT_ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js",
    "site.css": STATIC / "css" / "site.css",
    # The back office's additions, loaded only on /staff pages.
    "staff.css": STATIC / "css" / "staff.css",
    "app.js": STATIC / "js" / "app.js",
    # Google's web-vitals (npm), loaded only for visitors who allowed analytics.
    "web-vitals.js": PROJECT_ROOT / "node_modules" / "web-vitals" / "dist" / "web-vitals.iife.js",
    "vitals.js": STATIC / "js" / "vitals.js",
    # The door's camera scanner (check-in), and jsQR (npm), the QR decoder it loads
    # only on phones whose browser has no BarcodeDetector of its own.
    "checkin.js": STATIC / "js" / "checkin.js",
    "jsqr.js": PROJECT_ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js",
}


class AssetsMissing(RuntimeError):
    """The build step has not run (or node_modules is missing)."""


def build_assets(out_dir: Path = BUILT) -> dict[str, str]:
    """Write hashed copies (and .gz twins) of every source; return the manifest.

    Earlier builds are left in place (a running server or a page already loaded may
    still ask for them); the manifest is swapped in whole at the end. `make clean`
    removes the folder.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    for logical, source in SOURCES.items():
        if not source.exists():
            hint = " (run `npm ci`)" if "node_modules" in source.parts else ""
            raise AssetsMissing(f"missing front-end source {source}{hint}")
        manifest[logical] = write_hashed(out_dir, logical, source.read_bytes())
    write_manifest(out_dir / "manifest.json", manifest)
    return manifest


def write_hashed(out_dir: Path, logical: str, data: bytes, gzip_twin: bool = True) -> str:
    """Write `data` as `stem.<hash>.suffix` in `out_dir`; return its path under static/.

    Files drawn at build time (the landing's preview image) go through here too, so
    every built file is named and cached the same way.
    """
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, suffix = logical.rsplit(".", 1)
    name = f"{stem}.{digest}.{suffix}"
    (out_dir / name).write_bytes(data)
    if gzip_twin:
        # WhiteNoise sends the smallest twin the browser accepts (br, else gzip).
        (out_dir / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        (out_dir / f"{name}.br").write_bytes(brotli.compress(data, quality=11))
    return f"built/{name}"


def write_manifest(path: Path, manifest: dict[str, str]) -> None:
    """Swap a manifest in whole, so a server never reads half of one."""
    staged = path.with_name(path.name + ".tmp")
    staged.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(staged, path)


def load_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """Read a manifest written by `build_assets` (or another build step)."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise AssetsMissing(
            f"static/built/{path.name} is missing: run `make assets` (npm ci + build)"
        ) from exc
