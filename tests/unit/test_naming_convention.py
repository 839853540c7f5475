"""Constraint names come from every column, so two uniques on one leading column never collide."""

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint
from sqlalchemy.schema import CreateTable

from lms.extensions import Base


def test_two_unique_constraints_on_the_same_leading_column_get_distinct_names():
    table = Table(
        "naming_probe",
        Base.metadata.__class__(naming_convention=Base.metadata.naming_convention),
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("kind", String(10)),
        Column("ref", String(10)),
        UniqueConstraint("user_id", "kind"),
        UniqueConstraint("user_id", "ref"),
    )
    ddl = str(CreateTable(table))
    assert "uq_naming_probe_user_id_kind" in ddl
    assert "uq_naming_probe_user_id_ref" in ddl
