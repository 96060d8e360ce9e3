"""pre-annotation: Label Studio connections, projects, predictions, human annotations,
region outcomes and calibrations

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from turnout.store.types import PortableJSON, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
        ),
    ]


def _project(table: str) -> list[Any]:
    return [
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["annotation_projects.id"],
            name=f"fk_{table}_project_id_annotation_projects", ondelete="CASCADE",
        ),
    ]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "label_studio_connections",
        sa.Column("id", sa.String(36), nullable=False),
        *_tenant("label_studio_connections"),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("token_hint", sa.String(32), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_label_studio_connections"),
        sa.UniqueConstraint("tenant_id", "url", name="uq_label_studio_connections_tenant_id"),
    )
    op.create_table(
        "annotation_projects",
        sa.Column("id", sa.String(36), nullable=False),
        *_tenant("annotation_projects"),
        sa.Column("origin", sa.String(2048), nullable=False),
        sa.Column("ls_project_id", sa.BigInteger(), nullable=False),
        sa.Column("connection_id", sa.String(36), nullable=True),
        sa.Column("provider_id", sa.String(36), nullable=True),
        sa.Column("model", sa.String(256), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("settings", PortableJSON, nullable=False),
        sa.Column("label_config", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.String(64), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["label_studio_connections.id"],
            name="fk_annotation_projects_connection_id_label_studio_connections",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_annotation_projects"),
        sa.UniqueConstraint(
            "tenant_id", "origin", "ls_project_id", name="uq_annotation_projects_tenant_id"
        ),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.String(36), nullable=False),
        *_tenant("predictions"),
        *_project("predictions"),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", PortableJSON, nullable=True),
        sa.Column("regions", PortableJSON, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("raw_score", sa.Float(), nullable=True),
        sa.Column("score_method", sa.String(32), nullable=True),
        sa.Column("error", PortableJSON, nullable=True),
        sa.Column("ls_prediction_id", sa.BigInteger(), nullable=True),
        sa.Column("job_id", sa.String(36), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_predictions"),
        sa.UniqueConstraint(
            "project_id", "task_id", "model_version", name="uq_predictions_project_id"
        ),
    )
    op.create_index(
        "ix_predictions_project_version", "predictions", ["project_id", "model_version", "status"]
    )
    op.create_table(
        "human_annotations",
        sa.Column("id", sa.String(36), nullable=False),
        *_tenant("human_annotations"),
        *_project("human_annotations"),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("ls_annotation_id", sa.BigInteger(), nullable=False),
        sa.Column("prediction_id", sa.String(36), nullable=True),
        sa.Column("model_version", sa.String(128), nullable=True),
        sa.Column("result", PortableJSON, nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("task_correct", sa.Float(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["prediction_id"], ["predictions.id"],
            name="fk_human_annotations_prediction_id_predictions", ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_human_annotations"),
        sa.UniqueConstraint(
            "project_id", "ls_annotation_id", name="uq_human_annotations_project_id"
        ),
    )
    op.create_table(
        "region_outcomes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        *_tenant("region_outcomes"),
        sa.Column("annotation_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("from_name", sa.String(128), nullable=False),
        sa.Column("label", sa.String(256), nullable=False),
        sa.Column("outcome", sa.String(2), nullable=False),
        sa.Column("raw_score", sa.Float(), nullable=True),
        sa.Column("correct", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"], ["human_annotations.id"],
            name="fk_region_outcomes_annotation_id_human_annotations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_region_outcomes"),
    )
    op.create_index("ix_region_outcomes_annotation_id", "region_outcomes", ["annotation_id"])
    op.create_index(
        "ix_region_outcomes_project_version", "region_outcomes", ["project_id", "model_version"]
    )
    op.create_table(
        "calibrations",
        sa.Column("id", sa.String(36), nullable=False),
        *_tenant("calibrations"),
        *_project("calibrations"),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("params", PortableJSON, nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("report", PortableJSON, nullable=False),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calibrations"),
        sa.UniqueConstraint("project_id", "model_version", name="uq_calibrations_project_id"),
    )


def downgrade() -> None:
    op.drop_table("calibrations")
    op.drop_index("ix_region_outcomes_project_version", table_name="region_outcomes")
    op.drop_index("ix_region_outcomes_annotation_id", table_name="region_outcomes")
    op.drop_table("region_outcomes")
    op.drop_table("human_annotations")
    op.drop_index("ix_predictions_project_version", table_name="predictions")
    op.drop_table("predictions")
    op.drop_table("annotation_projects")
    op.drop_table("label_studio_connections")
