"""Queries built and compiled once per process, then run with each request's values.

Django's ORM spends 0.3-0.6 ms building a query (filters resolved into joins and lookups) and
compiling it to SQL, ten to twenty times what SQLite or a local PostgreSQL takes to run it, and
a page runs the same few queries with new values on every request. A `Prepared` query is built
once from a function that takes a `Param` wherever a request's value goes, compiled once for
each variant it has (the viewer's role, the number of rows), and then each run binds its values
into the SQL it already has. The rows become model instances or dicts through Django's own
iterables and converters, with the QuerySet's prefetching, exactly as the QuerySet would make
them (`tests/config/test_prepared.py` holds the two to each other).

The builder runs once, so anything that varies between runs must be a Param: a value it read
from the clock or the request would be kept for every later run, and a date or time built into
the SQL is refused (KeptTime). A Param with `default` has its value worked out at each run (the
time a look-back counts from, `clock`); `Params` is a list (`__in=`), each length a variant;
`IfGiven` a filter that applies only when its value is given. The access policy's rules take a
`Viewer` in place of the signed-in person: its role is fixed when a variant is built, its id is
bound when it runs, and a rule that needs more of the person than that fails to build.

`insert_rows` is the same for writes: the INSERT that bulk_create would make, written once.
"""

import copy
import datetime
import functools
import re
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import (
    AutoField,
    BigIntegerField,
    DateTimeField,
    Field,
    IntegerField,
    Model,
    QuerySet,
    Value,
)
from django.db.models.expressions import DatabaseDefault, Expression
from django.db.models.functions import Cast


class Param(Expression):
    """A value the query takes when it runs, not when it is built: `%s` in its SQL."""

    def __init__(
        self, name: str, output_field: Field, *, default: Callable[[], Any] | None = None
    ) -> None:
        super().__init__(output_field=output_field)
        self.name = name
        self.default = default

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def resolve_expression(self, *args, **kwargs) -> "Param":
        return self  # one object, found again by name in the compiled parameters

    def as_sql(self, compiler, connection) -> tuple[str, tuple[Any, ...]]:
        return "%s", (self,)

    def variant(self, value: Any) -> Hashable:
        """What of the value shapes the SQL: nothing, for a plain value."""
        return None

    def for_variant(self, variant: Hashable) -> "Param":
        """The Param the builder is given for this variant."""
        return self

    def bound(self, values: dict[str, Any], connection) -> Any:
        """This run's value, as the database takes it."""
        if self.name in values:
            value = values[self.name]
        elif self.default is not None:
            value = self.default()
        else:
            raise TypeError(f"The prepared query needs a value for {self.name!r}.")
        if isinstance(value, Model):
            value = value.pk
        value = self.output_field.get_db_prep_value(value, connection, prepared=False)
        if isinstance(value, int) and isinstance(self.output_field, IntegerField):
            low, high = connection.ops.integer_field_range(self.output_field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                # As Django's integer lookups do: an id no column can hold matches no row.
                raise _NoRows
        return value


class _NoRows(Exception):
    """A value no row can match: the query answers nothing without running."""


class Params(Param):
    """A list of values (`__in=`): each length is a variant of its own, and each value a Param
    of its own in the SQL (`name[0]`, `name[1]`, ...). An empty list matches nothing, as
    Django's `__in=[]` does."""

    def variant(self, value: Any) -> Hashable:
        return len(value)

    def for_variant(self, variant: Hashable) -> "_ParamGroup":  # type: ignore[override]
        count: int = variant  # type: ignore[assignment]
        return _ParamGroup(
            [Param(f"{self.name}[{index}]", self.output_field) for index in range(count)],
            self.output_field,
        )

    def items(self, value: Any) -> dict[str, Any]:
        return {f"{self.name}[{index}]": item for index, item in enumerate(value)}


class _ParamGroup(Expression):
    """The values of a Params, as `%s, %s, ...` in the SQL (`IN (...)` puts the brackets)."""

    def __init__(self, params: list[Param], output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.params = params

    def resolve_expression(self, *args, **kwargs) -> "_ParamGroup":
        return self

    def as_sql(self, compiler, connection) -> tuple[str, tuple[Any, ...]]:
        if not self.params:
            raise EmptyResultSet
        return ", ".join(["%s"] * len(self.params)), tuple(self.params)


class IfGiven(Param):
    """A value that may be left out (None or ""): whether it is given is a variant of its own,
    and the builder gets None for it when it is not."""

    def variant(self, value: Any) -> Hashable:
        return value not in (None, "")

    def for_variant(self, variant: Hashable) -> "Param | None":  # type: ignore[override]
        return Param(self.name, self.output_field) if variant else None


class Viewer(Param):
    """The signed-in person, as the access policy's rules read them: their role and whether they
    are signed in shape the query (each its own variant), their id is bound at each run."""

    def __init__(self, name: str = "viewer", *, role: str | None = None) -> None:
        super().__init__(name, BigIntegerField())
        self.role = role
        self.is_authenticated = role is not None

    @property
    def pk(self) -> "Viewer":
        return self

    def variant(self, value: Any) -> Hashable:
        return getattr(value, "role", None) if value.is_authenticated else None

    def for_variant(self, variant: Hashable) -> "Viewer":
        return Viewer(self.name, role=variant)  # type: ignore[arg-type]


def empty(field: Field) -> Cast:
    """An empty column of the field's type, for a part of a UNION ALL whose rows have no such
    value: typed, so that PostgreSQL matches it with the other parts' columns (an untyped NULL
    in two parts would be text), and converted as the field converts its values."""
    return Cast(Value(None), field)


def clock(name: str, before: Callable[[], datetime.timedelta] | None = None) -> Param:
    """A time worked out at each run: now, less `before()` if given."""
    from django.utils import timezone

    def value() -> datetime.datetime:
        return timezone.now() - (before() if before is not None else datetime.timedelta())

    return Param(name, DateTimeField(), default=value)


class _BoundQuery:
    """The built query, but with a compiler that already holds this run's SQL."""

    def __init__(self, query, compiler) -> None:
        self._query = query
        self._compiler = compiler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._query, name)

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler


class KeptTime(TypeError):
    """A time was built into a prepared query: it would be kept for every later run."""


class _Compiled:
    """One variant's QuerySet, its compiler (which knows how to read the rows) and its SQL."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = self.compiler.as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        kept = [param for param in params if _looks_like_a_time(param)]
        if kept:
            raise KeptTime(
                f"A prepared query keeps no times ({kept[0]!r}): make it a Param, or clock()."
            )
        self.sql: str = sql
        self.params = tuple(params)
        # Every run reads the same columns, so the converters that make its rows' values are
        # worked out once, not on each run as the compiler does: the compiler copied for each
        # run keeps this method. The converters are the database backend's and the fields'
        # functions, and each is handed the run's own connection when it converts a value.
        worked_out: dict[tuple[int, ...], tuple[list, dict]] = {}
        get_converters = self.compiler.get_converters

        def converters(expressions: list) -> dict:
            key = tuple(map(id, expressions))
            found = worked_out.get(key)
            if found is None:
                # The expressions are kept with their converters, so their ids stay theirs.
                found = worked_out[key] = (list(expressions), get_converters(expressions))
            return found[1]

        self.compiler.get_converters = converters


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}|$)")


def _looks_like_a_time(value: Any) -> bool:
    """A date or time in the built SQL: read from the clock when it was built, most likely,
    and kept for every later run (SQLite takes them as text, so text that reads as one too)."""
    if isinstance(value, datetime.date):
        return True
    return isinstance(value, str) and _ISO_TIME.match(value) is not None


# Variants a prepared query keeps: a page's "show more" lengths and pages are a few dozen.
VARIANTS_KEPT = 64


class Prepared:
    """A query built once by `build(**params)` and run with new values: `run(name=value, ...)`.

    `run(limit=n, offset=m)` takes n rows after the first m (each pair a variant of its own, and
    at most VARIANTS_KEPT of them are kept); the rows come back as a list, as the QuerySet's
    evaluation makes them.
    """

    def __init__(self, build: Callable[..., QuerySet], **params: Param) -> None:
        self._build = build
        self._params = params
        self._variants: dict[Hashable, _Compiled] = {}

    def _compiled(self, values: dict[str, Any], limit: int | None, offset: int) -> _Compiled:
        variants = tuple(param.variant(values.get(name)) for name, param in self._params.items())
        key = (variants, limit, offset)
        compiled = self._variants.get(key)
        if compiled is None:
            arguments = {
                name: param.for_variant(variant)
                for (name, param), variant in zip(self._params.items(), variants, strict=True)
            }
            queryset = self._build(**arguments)
            if limit is not None:
                queryset = queryset[offset : offset + limit]
            elif offset:
                queryset = queryset[offset:]
            compiled = _Compiled(queryset)
            if len(self._variants) >= VARIANTS_KEPT:
                self._variants.clear()
            self._variants[key] = compiled
        return compiled

    def run(self, *, limit: int | None = None, offset: int = 0, **values: Any) -> list:
        unknown = values.keys() - self._params.keys()
        if unknown:
            raise TypeError(f"The prepared query takes no {', '.join(sorted(unknown))}.")
        compiled = self._compiled(values, limit, offset)
        if not compiled.sql:
            return []
        for name, param in self._params.items():
            if isinstance(param, Params) and name in values:
                values = {**values, **param.items(values[name])}
        queryset = compiled.queryset
        connection = connections[queryset.db]
        try:
            params = [
                param.bound(values, connection) if isinstance(param, Param) else param
                for param in compiled.params
            ]
        except _NoRows:
            return []
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        # A new QuerySet with the built one's state (copy.copy would evaluate it to pickle it).
        run = queryset.__class__.__new__(queryset.__class__)
        run.__dict__.update(queryset.__dict__)
        run._query = _BoundQuery(queryset.query, compiler)  # type: ignore[attr-defined]
        run._fetch_all()
        return run._result_cache  # type: ignore[return-value]


def insert_rows(rows: list[Model]) -> None:
    """Write new rows of one model in one INSERT, as `bulk_create` writes them (each field's
    `pre_save` and database value), in SQL written once for each number of rows, without
    reading their ids back. A row that leaves a field to its database default is written by
    `bulk_create` itself."""
    if not rows:
        return
    model = type(rows[0])
    fields = _inserted_fields(model)
    connection = connections[router.db_for_write(model) or DEFAULT_DB_ALIAS]
    values = []
    for row in rows:
        for field in fields:
            value = field.pre_save(row, add=True)
            if isinstance(value, DatabaseDefault):
                model._default_manager.bulk_create(rows)
                return
            values.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(rows), connection.alias), values)


def _inserted_fields(model: type[Model]) -> list[Field]:
    """The columns bulk_create writes of a new row: all but its generated ones and its id."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not isinstance(field, AutoField)
    ]


@functools.cache
def _insert_sql(model: type[Model], count: int, alias: str) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = _inserted_fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    # Quoted names from the model and %s parameters only.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(str(field.column)) for field in fields)}) "
        f"VALUES {', '.join([row] * count)}"
    )
