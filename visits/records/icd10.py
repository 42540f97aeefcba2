"""ICD-10-CM diagnoses a clinician picks from: a subset of common telehealth codes, held as data.

The codes and descriptions come from the ICD-10-CM FY2026 code set (CMS and CDC's NCHS; US
government works in the public domain): visits/records/data/icd10cm_telehealth.json names its
source. Searching is pure work over that list, by code ("J06", "j069") or by words ("sore
throat", "strep"), matched at word starts in the description and the plain words kept beside it.
"""

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "icd10cm_telehealth.json"
SEARCH_LIMIT = 20
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Diagnosis:
    """One ICD-10-CM code with its description, and the plain words people search it by."""

    code: str
    description: str
    also: tuple[str, ...] = ()

    @property
    def compact(self) -> str:
        """The code without its dot, lower case: "j069"."""
        return self.code.replace(".", "").lower()

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(WORD.findall(" ".join((self.description, *self.also)).lower()))


@cache
def code_set() -> dict[str, Diagnosis]:
    """Every code in the data file, by code (with its dot, as written: "J06.9")."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        row["code"]: Diagnosis(row["code"], row["description"], tuple(row.get("also", ())))
        for row in data["codes"]
    }


def source() -> str:
    """Where the codes come from, as the data file says."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["source"]


def lookup(code: str) -> Diagnosis | None:
    """The diagnosis for a code, however it is typed ("j06.9", "J069", " J06.9 "); else None."""
    wanted = code.strip().replace(".", "").lower()
    if not wanted:
        return None
    return next((dx for dx in code_set().values() if dx.compact == wanted), None)


def _looks_like_code(query: str) -> bool:
    return bool(re.fullmatch(r"[a-z]\d[0-9a-z.]*", query))


def search(query: str, *, limit: int = SEARCH_LIMIT) -> list[Diagnosis]:
    """The codes matching what was typed, best first, at most `limit`.

    A code (or its start) matches codes beginning with it; words match when every word typed
    begins a word of the description or of its plain words ("back pa" finds low back pain).
    Exact codes come first, then code starts, then word matches in the data's order.
    """
    text = query.strip().lower()
    if not text:
        return []
    everything = list(code_set().values())
    compact = text.replace(".", "")
    found: list[Diagnosis] = []
    if _looks_like_code(text):
        found = sorted(
            (dx for dx in everything if dx.compact.startswith(compact)),
            key=lambda dx: (dx.compact != compact, dx.compact),
        )
    typed = WORD.findall(text)
    if typed:
        for dx in everything:
            if dx in found:
                continue
            words = dx.words
            if all(any(word.startswith(part) for word in words) for part in typed):
                found.append(dx)
    return found[:limit]
