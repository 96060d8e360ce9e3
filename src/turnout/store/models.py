"""Tables. Every row but `tenants` carries a tenant_id; queries filter on it (store/scoped.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from turnout.store.types import PortableJSON, UTCDateTime, new_id, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: PortableJSON,
    }


def _id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def _tenant_fk() -> Mapped[str]:
    return mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Where provider health alerts are POSTed (checked by the outbound URL guard); NULL: none.
    alert_webhook_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = _created()


class User(Base):
    __tablename__ = "users"
    # Usernames are unique per tenant, so one tenant cannot learn another's names; a login
    # without a tenant looks the username up in every tenant (accounts/login.py).
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = _tenant_fk()
    username: Mapped[str] = mapped_column(String(64), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Carried by session tokens; raising it ends every session issued before.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Requests per minute this key may make (NULL: no limit of its own).
    rpm_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ProviderConfig(Base):
    __tablename__ = "provider_configs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        Index("ix_provider_configs_tenant_enabled", "tenant_id", "enabled"),
    )
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = _tenant_fk()
    name: Mapped[str] = mapped_column(String(128))
    provider_type: Mapped[str] = mapped_column(String(32))
    deployment_mode: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # Fernet token of the provider key; never the key itself.
    api_key_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What responses show (`sk-…a1b2`), kept at write time so reads never decrypt.
    api_key_hint: Mapped[str | None] = mapped_column(String(32), nullable=True)
    models: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The last connection test of these settings, NULL when untested or since they changed
    # (configs/last_test.py): our code and message key, never the upstream's words.
    last_test_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_test_latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_test_models: Mapped[list[str] | None] = mapped_column(PortableJSON, nullable=True)
    last_test_error_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    last_test_message_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_test_message_params: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class TenantRouting(Base):
    __tablename__ = "tenant_routing"
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    active_provider_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("provider_configs.id", ondelete="RESTRICT"), nullable=True
    )
    fallback_provider_ids: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    fallback_for_pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UsageLog(Base):
    __tablename__ = "usage_logs"
    __table_args__ = (
        Index("ix_usage_logs_tenant_created", "tenant_id", "created_at"),
        Index("ix_usage_logs_tenant_provider_created", "tenant_id", "provider_id", "created_at"),
    )
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    request_id: Mapped[str] = mapped_column(String(64))
    api_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    provider_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model: Mapped[str | None] = mapped_column(String(128), nullable=True)
    operation: Mapped[str] = mapped_column(String(16), default="generate")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()


class ModelRegistryEntry(Base):
    __tablename__ = "model_registry"
    __table_args__ = (UniqueConstraint("tenant_id", "provider_type", "model"),)
    id: Mapped[str] = _id()
    # NULL tenant = a built-in entry visible to every tenant.
    tenant_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True, index=True
    )
    provider_type: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="chat")
    context_window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    input_price_per_1k: Mapped[float] = mapped_column(Float, default=0.0)
    output_price_per_1k: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    capabilities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = _created()


class ProviderHealth(Base):
    __tablename__ = "provider_health"
    provider_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("provider_configs.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = _tenant_fk()
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    last_check_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_successes: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_created", "tenant_id", "created_at"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    diff: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = _created()


class Job(Base):
    """A batch of LLM requests (or pre-annotation tasks); its items hold the work and outcomes.

    Progress, usage and cost are counted from the items, never stored here.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "client_key"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
        Index("ix_jobs_status", "status"),
    )
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_by_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    client_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pause_reason: Mapped[str | None] = mapped_column(String(48), nullable=True)
    resume_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = _created()
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class JobItem(Base):
    """One request of a job: its input, its lease while a worker runs it, and its outcome."""

    __tablename__ = "job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        Index("ix_job_items_job_status", "job_id", "status"),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    custom_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    request: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class StoredFile(Base):
    """A file uploaded through the OpenAI Files API (JSONL batch input)."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_tenant_created", "tenant_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column("bytes", Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = _created()


class LabelStudioConnection(Base):
    """A Label Studio instance a tenant pre-annotates: its URL and access token (encrypted)."""

    __tablename__ = "label_studio_connections"
    __table_args__ = (UniqueConstraint("tenant_id", "url"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    # Fernet token of the Label Studio access token (legacy token or personal access token).
    token_encrypted: Mapped[str] = mapped_column(Text)
    token_hint: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnnotationProject(Base):
    """A Label Studio project as Turnout pre-annotates it: where it lives and how it is asked.

    `origin` is the Label Studio URL (client jobs) or the host name its /setup call names (ML
    backend); with the project's id it tells one project from another.
    """

    __tablename__ = "annotation_projects"
    __table_args__ = (UniqueConstraint("tenant_id", "origin", "ls_project_id"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(2048))
    ls_project_id: Mapped[int] = mapped_column(BigInteger)
    connection_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("label_studio_connections.id", ondelete="SET NULL"), nullable=True
    )
    provider_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    model: Mapped[str | None] = mapped_column(String(256), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    label_config: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Proof a webhook call comes from this project's Label Studio (it sends no credentials).
    webhook_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Prediction(Base):
    """Turnout's answer for one task under one model_version: written, or failed with why."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("project_id", "task_id", "model_version"),
        Index("ix_predictions_project_version", "project_id", "model_version", "status"),
    )
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("annotation_projects.id", ondelete="CASCADE")
    )
    task_id: Mapped[int] = mapped_column(BigInteger)
    model_version: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # completed | writing | failed
    # Label Studio result items as written (region scores calibrated when a calibration exists).
    result: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    # Per region: its id, control, label, raw score and the method that gave it.
    regions: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    raw_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_method: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    ls_prediction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HumanAnnotation(Base):
    """A human's annotation of a task, compared with the prediction it followed."""

    __tablename__ = "human_annotations"
    __table_args__ = (UniqueConstraint("project_id", "ls_annotation_id"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("annotation_projects.id", ondelete="CASCADE")
    )
    task_id: Mapped[int] = mapped_column(BigInteger)
    ls_annotation_id: Mapped[int] = mapped_column(BigInteger)
    prediction_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("predictions.id", ondelete="SET NULL"), nullable=True
    )
    model_version: Mapped[str | None] = mapped_column(String(128), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, nullable=True)
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # prediction kept as is
    task_correct: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RegionOutcome(Base):
    """How one predicted region fared against the human annotation: the data of accuracy and
    calibration reports, aggregated in the database."""

    __tablename__ = "region_outcomes"
    __table_args__ = (Index("ix_region_outcomes_project_version", "project_id", "model_version"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    annotation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("human_annotations.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(String(36))
    model_version: Mapped[str] = mapped_column(String(128))
    from_name: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(2))  # tp, fp or fn
    raw_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    correct: Mapped[float] = mapped_column(Float)


class Calibration(Base):
    """The calibration fitted for a project's model_version on its human labels."""

    __tablename__ = "calibrations"
    __table_args__ = (UniqueConstraint("project_id", "model_version"),)
    id: Mapped[str] = _id()
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("annotation_projects.id", ondelete="CASCADE")
    )
    model_version: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    samples: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fitted_at: Mapped[datetime] = _created()
