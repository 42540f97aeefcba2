"""Keep the database's questionnaire versions in step with the definition files."""

from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

from visits.questionnaires import engine
from visits.questionnaires.models import Questionnaire


def sync_questionnaires(
    directory: Path = engine.DEFINITIONS_DIR, *, using: str = DEFAULT_DB_ALIAS
) -> list[Questionnaire]:
    """Add every new (slug, version) from the files; a changed file with an old version is an error.

    Responses point at the exact version they answered, so a published version never changes:
    edit a definition by raising its version number.
    """
    stored = Questionnaire.objects.using(using)
    loaded = []
    for definition in engine.load_all(directory):
        existing = stored.filter(slug=definition["slug"], version=definition["version"]).first()
        if existing is None:
            existing = stored.create(
                slug=definition["slug"],
                version=definition["version"],
                title=definition["title"],
                kind=definition["kind"],
                definition=definition,
            )
        elif existing.definition != definition:
            raise engine.DefinitionError(
                f"{definition['slug']}.json: version {definition['version']} is already published "
                "with different content; raise the version number to change it."
            )
        loaded.append(existing)
    return loaded


def load_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: make sure every definition file is in the database."""
    if Questionnaire._meta.db_table in connections[using].introspection.table_names():
        sync_questionnaires(using=using)
