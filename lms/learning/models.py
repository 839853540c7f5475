"""What a learner has read: module sections and reference documents."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db
from lms.timeutil import utcnow


class SectionRead(db.Model):
    """A learner marked one `##` section of a module as read."""

    __tablename__ = "section_read"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "section_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(100))
    section_slug: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentRead(db.Model):
    """A learner marked a reference document as read (the button at its end)."""

    __tablename__ = "document_read"
    __table_args__ = (UniqueConstraint("user_id", "doc_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    doc_id: Mapped[str] = mapped_column(String(100))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
