"""`flask media samples`: the shop's own sample images, drawn and uploaded like the team's."""

from __future__ import annotations

import click

from app.catalog.services import current_event
from app.extensions import db
from app.media import samples
from app.media.models import HERO, OG, SPEAKER
from app.media.services import add_image
from app.web.i18n import localized


@click.group(help="Images: the hero, the link preview and the speakers' photos.")
def media() -> None:
    pass


@media.command("samples", help="Draw sample images and use them (the newest image wins).")
def media_samples() -> None:
    add_image(
        samples.hero(),
        HERO,
        alt_pt="Ilustração em tons de café e caramelo com o nome Café com Vendas",
        alt_en="Illustration in coffee and caramel tones with the name Café com Vendas",
    )
    add_image(
        samples.link_preview(),
        OG,
        alt_pt="Café com Vendas",
        alt_en="Café com Vendas",
    )
    event = current_event()
    speakers = localized(event.content.get("speakers", []), "pt_PT") if event else []
    for index, speaker in enumerate(speakers):
        name = speaker["name"]
        add_image(
            samples.avatar(name, index),
            SPEAKER,
            speaker_key=name,
            alt_pt=f"Retrato ilustrado de {name}",
            alt_en=f"Illustrated portrait of {name}",
        )
    db.session.commit()
    click.echo(f"sample images added: hero, link preview, {len(speakers)} speakers")
