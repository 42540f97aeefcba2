"""What a common lab test measures, in one plain sentence, from the data file beside this module."""

import json
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "test_descriptions.json"


@cache
def _tests() -> dict[str, dict[str, str]]:
    with DATA_FILE.open(encoding="utf-8") as data:
        return json.load(data)["tests"]


def description_of(loinc_code: str) -> str:
    """The plain-language line for a test by its LOINC code, or "" for a test we have none for."""
    entry = _tests().get(loinc_code.strip())
    return entry["about"] if entry else ""


def described_codes() -> frozenset[str]:
    """Every LOINC code with a description."""
    return frozenset(_tests())
