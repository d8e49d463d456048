"""`csm-coach playground`: a local web page that plays Slack's part (bot/playground), on 127.0.0.1 only."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.apps import app
from bot.cli.common import say


@app.command()
def playground(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free one).")] = 8080,
) -> None:
    """Try csm-coach in a browser: a page on 127.0.0.1 that stands in for Slack (the demo company on an
    empty database). Refuses to start when SLACK_BOT_TOKEN is set."""
    from bot.playground.server import run

    run(port=port, say=say)
