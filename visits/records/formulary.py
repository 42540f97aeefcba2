"""What may be ordered, as data: the controlled substances Housecall refuses to prescribe, and
the lab tests a clinician picks from. Pure lookups, no database."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Words of a medication name: runs of letters, or of digits ("Adderall XR 20mg" → adderall, xr,
# 20, mg), so a listed name matches whole words only, never letters inside another word.
WORD = re.compile(r"[^\W\d_]+|\d+")


def words(text: str) -> tuple[str, ...]:
    """The words of a name, case-folded."""
    return tuple(WORD.findall(text.casefold()))


@dataclass(frozen=True)
class ControlledSubstance:
    """A name on the list: a generic or a brand, with its DEA schedule (II to V)."""

    name: str
    generic: str
    schedule: str

    @property
    def refusal(self) -> str:
        """Why it is refused, in the prescriber's words."""
        shown = self.name[:1].upper() + self.name[1:]
        if self.name.casefold() != self.generic.casefold():
            shown = f"{shown} ({self.generic})"
        return (
            f"{shown} is a Schedule {self.schedule} controlled substance; "
            "Housecall cannot prescribe controlled substances."
        )


@cache
def _controlled_names() -> tuple[tuple[tuple[str, ...], ControlledSubstance], ...]:
    """Every listed name as its words, longest first, so a combination product's own entry
    ("Tylenol with Codeine", Schedule III) wins over the single substance's ("codeine", II)."""
    listed = json.loads((DATA / "controlled_substances.json").read_text(encoding="utf-8"))
    names = []
    for entry in listed["substances"]:
        for name in [entry["generic"], *entry["brands"]]:
            substance = ControlledSubstance(
                name=name, generic=entry["generic"], schedule=entry["schedule"]
            )
            names.append((words(name), substance))
    names.sort(key=lambda item: -len(item[0]))
    return tuple(names)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def controlled_substance(medication: str) -> ControlledSubstance | None:
    """The listed controlled substance this medication name names, if any (whole words, any
    case: "Adderall XR 20mg" is Adderall; "Somatropin" is not Soma)."""
    medication_words = words(medication)
    for name_words, substance in _controlled_names():
        if name_words and _contains(medication_words, name_words):
            return substance
    return None


@dataclass(frozen=True)
class LabTest:
    """An orderable test: its LOINC code and names, and what the patient does to prepare."""

    loinc: str
    name: str
    loinc_name: str
    instructions: str

    @property
    def label(self) -> str:
        return f"{self.name} (LOINC {self.loinc})"


@cache
def lab_tests() -> dict[str, LabTest]:
    """The orderable tests by LOINC code, in the list's order."""
    listed = json.loads((DATA / "lab_tests.json").read_text(encoding="utf-8"))
    return {test["loinc"]: LabTest(**test) for test in listed["tests"]}


def lab_test(loinc: str) -> LabTest | None:
    """The orderable test with this LOINC code, or None if it is not on the list."""
    return lab_tests().get(loinc)
