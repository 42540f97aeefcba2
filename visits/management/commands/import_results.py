"""Import lab result files (HL7 v2 ORU^R01 or FHIR R4 JSON) from a lab's drop folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from visits.results.importer import decode_message, import_message
from visits.results.messages import MessageError
from visits.results.models import InboundResult


class Command(BaseCommand):
    help = (
        "Import each FILE as a lab message: matched ones are attached to their patient and "
        "order, the others wait on the reconciliation list with the reason. Prints one line per "
        "file (counts and reasons, never values); exits 1 if any file could not be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, **options) -> None:
        unreadable = 0
        counts = {"matched": 0, "unmatched": 0, "duplicate": 0}
        for name in options["files"]:
            path = Path(name)
            try:
                raw = decode_message(path.read_bytes())
            except OSError as error:
                unreadable += 1
                self.stderr.write(f"{name}: could not be read ({error.strerror or 'error'}).")
                continue
            except MessageError as error:
                unreadable += 1
                self.stderr.write(f"{name}: could not be read. {error.reason}")
                continue
            newest = InboundResult.objects.aggregate(newest=Max("pk"))["newest"] or 0
            inbound = import_message(raw, source=path.name)
            if inbound.pk <= newest:
                counts["duplicate"] += 1
                self.stdout.write(f"{name}: already imported (message {inbound.pk}), skipped.")
            elif inbound.state == InboundResult.State.MATCHED:
                counts["matched"] += 1
                reports = inbound.reports.count()
                self.stdout.write(
                    f"{name}: matched, {reports} report{'s' if reports != 1 else ''} recorded."
                )
            else:
                counts["unmatched"] += 1
                self.stdout.write(f"{name}: to reconcile (message {inbound.pk}). {inbound.reason}")
        self.stdout.write(
            f"{counts['matched']} matched, {counts['unmatched']} to reconcile, "
            f"{counts['duplicate']} already imported, {unreadable} could not be read."
        )
        if unreadable:
            raise CommandError(
                f"{unreadable} file{'s' if unreadable != 1 else ''} could not be read."
            )
