"""The two loads every signed-in request makes: its session's data and its person.

Django's ORM spends ten times longer building and compiling these two queries than the database
spends answering them (about 0.5 ms and 0.75 ms against 0.03 ms each, measured on SQLite with
the demo clinic), and every signed-in page pays that before doing anything of its own. So each
is one SELECT written once per database from the models' own fields, and its rows are turned
into model instances the way the ORM would: the same columns, the same database converters,
`Model.from_db`. Tests hold both to the ORM's own answers on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.fields.reverse_related import OneToOneRel
from django.utils import timezone


@dataclass(frozen=True)
class _Columns:
    """One model's columns in a joined SELECT: where its values sit in a row, and how each is
    converted from what the database driver returns."""

    model: type[Model]
    start: int
    names: tuple[str, ...]
    converters: tuple[tuple[Callable, ...], ...]
    expressions: tuple

    def instance(self, row: tuple, alias: str, connection) -> Model | None:
        values = list(row[self.start : self.start + len(self.names)])
        if values[0] is None:  # the primary key: an outer join found no row
            return None
        for index, converters in enumerate(self.converters):
            for convert in converters:
                values[index] = convert(values[index], self.expressions[index], connection)
        return self.model.from_db(alias, self.names, values)


@dataclass(frozen=True)
class _Select:
    sql: str
    parts: tuple[_Columns, ...]


class ModelWithOneToOnes[M: Model]:
    """Load one row of `model` by primary key with some of its reverse one-to-one relations
    (e.g. a user's profiles) joined, cached on the instance as `select_related` would cache
    them: a missing relation reads as `DoesNotExist`, never as another query."""

    def __init__(self, model: type[M], *relations: str) -> None:
        self.model = model
        self.relations: tuple[OneToOneRel, ...] = tuple(
            _one_to_one(model, name) for name in relations
        )
        self._selects: dict[str, _Select] = {}
        self._lock = threading.Lock()

    def get(self, pk: object) -> M | None:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        select = self._select(alias)
        with connection.cursor() as cursor:
            cursor.execute(select.sql, [self.model._meta.pk.get_db_prep_value(pk, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        main, *joined = (part.instance(row, alias, connection) for part in select.parts)
        if main is None:
            return None
        for relation, related in zip(self.relations, joined, strict=True):
            relation.set_cached_value(main, related)
            if related is not None:
                relation.field.set_cached_value(related, main)
        return cast("M", main)

    def _select(self, alias: str) -> _Select:
        select = self._selects.get(alias)
        if select is None:
            with self._lock:
                select = self._selects.setdefault(alias, self._build(alias))
        return select

    def _build(self, alias: str) -> _Select:
        connection = connections[alias]
        quote = connection.ops.quote_name
        models: list[type[Model]] = [
            self.model,
            *(relation.related_model for relation in self.relations),
        ]
        tables = [f"t{index}" for index in range(len(models))]
        columns: list[str] = []
        parts: list[_Columns] = []
        for model, table in zip(models, tables, strict=True):
            fields = model._meta.concrete_fields
            expressions = tuple(field.get_col(table) for field in fields)
            parts.append(
                _Columns(
                    model=model,
                    start=len(columns),
                    names=tuple(field.attname for field in fields),
                    converters=tuple(
                        tuple(
                            connection.ops.get_db_converters(expression)
                            + expression.get_db_converters(connection)
                        )
                        for expression in expressions
                    ),
                    expressions=expressions,
                )
            )
            columns += [f"{table}.{quote(_column(field))}" for field in fields]
        key = quote(_column(self.model._meta.pk))
        joins = "".join(
            f" LEFT OUTER JOIN {quote(model._meta.db_table)} {table}"
            f" ON {table}.{quote(_column(relation.field))} = t0.{key}"
            for relation, model, table in zip(self.relations, models[1:], tables[1:], strict=True)
        )
        table = quote(self.model._meta.db_table)
        # Every name comes from the models' metadata, quoted; the key is a parameter.
        sql = f"SELECT {', '.join(columns)} FROM {table} t0{joins} WHERE t0.{key} = %s"  # noqa: S608
        return _Select(sql=sql, parts=tuple(parts))


def _column(field) -> str:
    return cast("Field", field).column or ""


def _one_to_one(model: type[Model], name: str) -> OneToOneRel:
    relation = model._meta.get_field(name)
    if not isinstance(relation, OneToOneRel):
        raise TypeError(f"{model.__name__}.{name} is not a reverse one-to-one relation.")
    return relation


class SessionStore(db.SessionStore):
    """Django's database sessions, with the load every request makes as one plain SELECT.

    Everything else (creating, saving, expiring, deleting) is Django's own.
    """

    _sql: dict[str, str] = {}

    def load(self) -> dict:
        data = self._session_data()
        return self.decode(data) if data is not None else {}

    def _session_data(self) -> str | None:
        if self.session_key is None:
            return None
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql = self._sql.get(alias)
        if sql is None:
            quote = connection.ops.quote_name
            meta = model._meta
            data, key, expires = (
                quote(_column(meta.get_field(name)))
                for name in ("session_data", "session_key", "expire_date")
            )
            # Every name comes from the model's metadata, quoted; the values are parameters.
            sql = self._sql[alias] = (
                f"SELECT {data} FROM {quote(meta.db_table)} WHERE {key} = %s AND {expires} > %s"  # noqa: S608
            )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            # As Django's own store: a key with no live session is dropped, and a new one made.
            self._session_key = None
            return None
        return row[0]
