"""a channel post's delivery key carries its team; each team's round on each local day

Two teams may share one channel: each gets its own post, so a post is keyed by (team, channel,
local date). Every other message keeps the key (kind, recipient, local date): a person gets one DM
a morning whatever team they are in. Existing rows are kept; a post row written before the team
was recorded gets the team whose channel it went to.

`team_round` records whether a team's round went out on a local day, so a clock that starts after
the post time (a deploy, a restart) sends it then, and a definite failure is retried the same day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POST = sa.text("kind = 'channel_post'")
NOT_POST = sa.text("kind <> 'channel_post'")


def upgrade() -> None:
    op.execute(
        "UPDATE delivery SET team_id ="
        " (SELECT MIN(team.id) FROM team WHERE team.channel_id = delivery.recipient)"
        " WHERE team_id IS NULL AND kind = 'channel_post'"
    )
    op.execute(
        "UPDATE delivery SET team_id = (SELECT MIN(person.team_id) FROM person"
        " WHERE person.slack_user_id = delivery.recipient) WHERE team_id IS NULL AND kind <> 'channel_post'"
    )
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("uq_delivery_once", type_="unique")
    op.create_index(
        "uq_delivery_post_once",
        "delivery",
        ["team_id", "recipient", "local_date"],
        unique=True,
        sqlite_where=POST,
        postgresql_where=POST,
    )
    op.create_index(
        "uq_delivery_once",
        "delivery",
        ["kind", "recipient", "local_date"],
        unique=True,
        sqlite_where=NOT_POST,
        postgresql_where=NOT_POST,
    )

    op.create_table(
        "team_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.String(500), nullable=True),
        sa.UniqueConstraint("team_id", "local_date", name="uq_team_round_once"),
    )


def downgrade() -> None:
    op.drop_table("team_round")
    op.drop_index("uq_delivery_once", table_name="delivery")
    op.drop_index("uq_delivery_post_once", table_name="delivery")
    # Two teams' posts to one channel on one day cannot both stay under the old key: keep the first.
    op.execute(
        "DELETE FROM delivery WHERE id NOT IN"
        " (SELECT MIN(id) FROM delivery GROUP BY kind, recipient, local_date)"
    )
    with op.batch_alter_table("delivery") as batch:
        batch.create_unique_constraint("uq_delivery_once", ["kind", "recipient", "local_date"])
