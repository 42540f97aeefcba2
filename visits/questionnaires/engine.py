"""Questionnaires as data: checking a definition, which items show, validating, scoring, red flags.

A definition is a dict (loaded from a JSON file in definitions/). Items have an id, a type
(single, multiple, yes_no, number, date, text), a text, whether they are required, and may
show only when an earlier answer matches (`show_if`). Scoring sums the values of the listed
items and names the band the total falls in; red flags are conditions on the answers.
Everything here works on plain values and never touches the database.
"""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ITEM_TYPES = {"single", "multiple", "yes_no", "number", "date", "text"}
OPERATORS = {"eq", "ne", "in", "gt", "gte", "lt", "lte", "contains"}
YES_NO_OPTIONS = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
DEFINITIONS_DIR = Path(__file__).parent / "definitions"


class DefinitionError(ValueError):
    """A questionnaire file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True)
class Flag:
    """A red-flag rule that matched: 'emergency' (call 911) or 'crisis' (988 and a safety alert)."""

    id: str
    kind: str
    message: str


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    screens: dict[str, bool] = field(default_factory=dict)


def options_of(item: dict) -> list[dict]:
    return YES_NO_OPTIONS if item["type"] == "yes_no" else item.get("options", [])


# Checking definitions ---------------------------------------------------------------------------


def _check_condition(condition: Any, known: set[str], where: str) -> None:
    if not isinstance(condition, dict):
        raise DefinitionError(f"{where}: a condition must be an object")
    if "all" in condition or "any" in condition:
        parts = condition.get("all", condition.get("any"))
        if not isinstance(parts, list) or not parts:
            raise DefinitionError(f"{where}: 'all'/'any' needs a list of conditions")
        for part in parts:
            _check_condition(part, known, where)
        return
    if condition.get("item") not in known:
        raise DefinitionError(
            f"{where}: condition refers to unknown or later item {condition.get('item')!r}"
        )
    if condition.get("op") not in OPERATORS:
        raise DefinitionError(f"{where}: unknown operator {condition.get('op')!r}")
    if "value" not in condition:
        raise DefinitionError(f"{where}: condition needs a value")


def check_definition(definition: dict, *, source: str = "definition") -> dict:
    """Refuse a definition with a mistake, naming the file and the item; returns it unchanged."""
    for key in ("slug", "version", "title", "kind", "items"):
        if key not in definition:
            raise DefinitionError(f"{source}: missing {key!r}")
    if definition["kind"] not in {"instrument", "symptom"}:
        raise DefinitionError(f"{source}: kind must be 'instrument' or 'symptom'")
    if not isinstance(definition["version"], int) or definition["version"] < 1:
        raise DefinitionError(f"{source}: version must be a whole number from 1")
    seen: set[str] = set()
    for position, item in enumerate(definition["items"], 1):
        item_id = item.get("id")
        where = f"{source}, item {item_id or position}"
        if not item_id or not isinstance(item_id, str):
            raise DefinitionError(f"{where}: every item needs an id")
        if item_id in seen:
            raise DefinitionError(f"{where}: duplicate id")
        if item.get("type") not in ITEM_TYPES:
            raise DefinitionError(f"{where}: unknown type {item.get('type')!r}")
        if not item.get("text"):
            raise DefinitionError(f"{where}: every item needs its text")
        if item["type"] in {"single", "multiple"}:
            options = item.get("options")
            if not options or not all(
                "value" in option and "label" in option for option in options
            ):
                raise DefinitionError(
                    f"{where}: choice items need options with a value and a label"
                )
            values = [option["value"] for option in options]
            if len(values) != len(set(values)):
                raise DefinitionError(f"{where}: option values must differ")
        low, high = item.get("min"), item.get("max")
        if item["type"] == "number" and low is not None and high is not None and low > high:
            raise DefinitionError(f"{where}: min is above max")
        if "show_if" in item:
            _check_condition(item["show_if"], seen, where)
        seen.add(item_id)
    scoring = definition.get("scoring")
    if scoring:
        for item_id in scoring.get("items", []):
            item = next((i for i in definition["items"] if i["id"] == item_id), None)
            if item is None:
                raise DefinitionError(f"{source}, scoring: unknown item {item_id!r}")
            if not all(isinstance(option["value"], int) for option in options_of(item)):
                raise DefinitionError(
                    f"{source}, item {item_id}: scored items need whole-number values"
                )
        bands = scoring.get("bands", [])
        maximum = sum(
            max(option["value"] for option in options_of(i))
            for i in definition["items"]
            if i["id"] in scoring.get("items", [])
        )
        covered = sorted((band["min"], band["max"]) for band in bands)
        expected = 0
        for low, high in covered:
            if low != expected:
                raise DefinitionError(
                    f"{source}, scoring: bands must cover every total without gaps (at {expected})"
                )
            expected = high + 1
        if bands and expected != maximum + 1:
            raise DefinitionError(
                f"{source}, scoring: bands end at {expected - 1} but the maximum is {maximum}"
            )
    for rule in definition.get("red_flags", []):
        where = f"{source}, red flag {rule.get('id', '?')}"
        if rule.get("kind") not in {"emergency", "crisis"} or not rule.get("message"):
            raise DefinitionError(f"{where}: needs kind 'emergency' or 'crisis' and a message")
        _check_condition(rule.get("when"), seen, where)
    return definition


def load_definition_file(path: Path) -> dict:
    """Read and check one definition file; a bad file fails loudly, naming itself."""
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DefinitionError(f"{path.name}: not valid JSON ({error})") from error
    return check_definition(definition, source=path.name)


def load_all(directory: Path = DEFINITIONS_DIR) -> list[dict]:
    """Every definition in the folder, checked."""
    return [load_definition_file(path) for path in sorted(directory.glob("*.json"))]


# Answering --------------------------------------------------------------------------------------


def _holds(condition: dict, answers: dict) -> bool:
    if "all" in condition:
        return all(_holds(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(_holds(part, answers) for part in condition["any"])
    answer = answers.get(condition["item"])
    if answer is None or answer == "" or answer == []:
        return False
    operator, value = condition["op"], condition["value"]
    try:
        match operator:
            case "eq":
                return answer == value
            case "ne":
                return answer != value
            case "in":
                return answer in value
            case "contains":
                return value in answer
            case "gt":
                return answer > value
            case "gte":
                return answer >= value
            case "lt":
                return answer < value
            case "lte":
                return answer <= value
    except TypeError:
        return False
    return False  # pragma: no cover - operators are checked when the definition loads


def visible_items(definition: dict, answers: dict) -> list[dict]:
    """The items to ask, given the answers so far: branching hides the others."""
    shown = []
    for item in definition["items"]:
        if "show_if" in item and not _holds(item["show_if"], answers):
            continue
        shown.append(item)
    return shown


def _clean_one(item: dict, raw: Any) -> tuple[Any, str | None]:
    """Turn a raw form value into the stored answer, or say what is wrong with it."""
    kind = item["type"]
    empty = raw is None or raw == "" or raw == []
    if empty:
        return None, ("Please answer this question." if item.get("required") else None)
    if kind in {"single", "yes_no"}:
        for option in options_of(item):
            if str(option["value"]) == str(raw):
                return option["value"], None
        return None, "Choose one of the answers."
    if kind == "multiple":
        values = raw if isinstance(raw, list) else [raw]
        known = {str(option["value"]): option["value"] for option in options_of(item)}
        if not all(str(value) in known for value in values):
            return None, "Choose from the answers shown."
        return [known[str(value)] for value in values], None
    if kind == "number":
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            return None, f"Enter a number{' in ' + item['unit'] if item.get('unit') else ''}."
        if not number.is_finite():
            return None, "Enter a number."
        low, high = item.get("min"), item.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            return (
                None,
                f"Enter a number from {low} to {high}{' ' + item['unit'] if item.get('unit') else ''}.",
            )
        number = round(number, item.get("decimals", 0))
        return (int(number) if item.get("decimals", 0) == 0 else float(number)), None
    if kind == "date":
        try:
            day = datetime.date.fromisoformat(str(raw))
        except ValueError:
            return None, "Enter a date, e.g. 2026-11-20."
        return day.isoformat(), None
    text = str(raw).strip()
    if len(text) > item.get("max_length", 500):
        return None, f"Keep this under {item.get('max_length', 500)} characters."
    return (text or None), (
        None if text or not item.get("required") else "Please answer this question."
    )


def clean_answers(definition: dict, raw: dict) -> tuple[dict, dict[str, str]]:
    """Validate raw answers in order, honouring branching; returns (answers, errors by item id).

    Answers to items hidden by branching are dropped, so they never count.
    """
    answers: dict = {}
    errors: dict[str, str] = {}
    for item in definition["items"]:
        if "show_if" in item and not _holds(item["show_if"], answers):
            continue
        value, error = _clean_one(item, raw.get(item["id"]))
        if error:
            errors[item["id"]] = error
        elif value is not None:
            answers[item["id"]] = value
    return answers, errors


def score(definition: dict, answers: dict) -> Score | None:
    """The total of the scored items, its band, and each short screen's result."""
    scoring = definition.get("scoring")
    if not scoring:
        return None
    total = sum(int(answers.get(item_id, 0)) for item_id in scoring["items"])
    band = next((b["label"] for b in scoring.get("bands", []) if b["min"] <= total <= b["max"]), "")
    screens = {
        screen["name"]: sum(int(answers.get(i, 0)) for i in screen["items"])
        >= screen["positive_at"]
        for screen in scoring.get("screens", [])
    }
    return Score(total=total, band=band, screens=screens)


def red_flags(definition: dict, answers: dict) -> list[Flag]:
    """Every red-flag rule the answers meet, in the order the definition lists them."""
    return [
        Flag(id=rule["id"], kind=rule["kind"], message=rule["message"])
        for rule in definition.get("red_flags", [])
        if _holds(rule["when"], answers)
    ]
