"""The fake upstream as a pre-annotation model: valid, sometimes wrong, sometimes malformed.

    upstream.set_annotator(Annotator(gold={"I love it": {"sentiment": "Positive"}},
                                     wrong_rate=0.1, malformed_rate=0.05, seed=7))

Once set, a chat request that carries an answer schema, as `annotation.prompt` builds one, is
answered by the annotator instead of the echo:

- The schema is read from the forced `submit_annotation` tool (then the answer is a call of
  it), `response_format.json_schema.schema`, Ollama's `format` object, or else the line of the
  system message that spells it out (json_object and plain modes). The task is the last user
  message that starts "Task:\\n"; user messages after it that start "Your answer does not fit
  the labeling rules" are repair requests.
- `gold` maps a task's text (a value of the Task JSON) to the right answer, control name →
  value in the schema's shape. Controls it leaves out, and tasks it lacks, get a valid default:
  the first allowed value, no spans, null where null is allowed.
- Per task, from `seed` and the task's texts: a `wrong_rate` share of tasks has one closed value
  (a choice or a span's label) replaced by another allowed one, in every attempt; a
  `malformed_rate` share gets a broken first answer (a Python dict instead of JSON, or a value
  outside the enum) and the drawn answer on the repair turn.
- Log-probabilities as `scored_json` writes them: a right value's probability is drawn in
  RIGHT_P, a wrong one's in WRONG_P, with the right value taking most of the rest; a free
  value's (a span's quote, a TextArea text, a number) tokens in RIGHT_P or, for the quote of a
  wrongly labelled span, in WRONG_P. So scores are informative but imperfectly calibrated.

A text answer counts one completion token per token it is cut into; a tool call counts words
of its arguments, as every tool call of the fake does.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from turnout.fakeupstream import content, scored_json
from turnout.fakeupstream.content import Reply, TokenScore
from turnout.fakeupstream.scored_json import Path
from turnout.fakeupstream.tools import ScriptedCall

ANSWER_TOOL = "submit_annotation"
TASK_PREFIX = "Task:\n"
REPAIR_PREFIX = "Your answer does not fit the labeling rules"
SCHEMA_LINE = "The answer follows this JSON schema:\n"
RIGHT_P = (0.6, 0.99)
WRONG_P = (0.3, 0.75)
RIGHT_SHARE_WHEN_WRONG = 0.7  # of the probability left, when the model picked a wrong value
OUTSIDE_ENUM = "Unsure"
_DATE_SAMPLES = ("2024-01-01T00:00", "2024-01-01", "00:00", "2024")


@dataclass(frozen=True)
class Annotation:
    """One answer: its text (perhaps broken), tokens and scores, the object it decodes to
    (None when it is not JSON), and whether it is sent as a call of the answer tool."""

    text: str
    pieces: tuple[str, ...]
    scores: tuple[TokenScore, ...]
    arguments: dict[str, Any] | None
    as_tool: bool


@dataclass(frozen=True)
class _Request:
    schema: Mapping[str, Any]
    texts: tuple[str, ...]
    attempt: int  # 0 for the first answer, 1 after one repair request
    as_tool: bool


@dataclass(frozen=True)
class _Slot:
    path: Path
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class Annotator:
    gold: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    wrong_rate: float = 0.0
    malformed_rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("wrong_rate", "malformed_rate"):
            rate = getattr(self, name)
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise ValueError(f"{name} must be a number within [0, 1]")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError("seed must be an integer")

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Annotator:
        """From the control API's JSON: gold, wrong_rate, malformed_rate, seed."""
        unknown = set(payload) - {"gold", "wrong_rate", "malformed_rate", "seed"}
        if unknown:
            raise ValueError(f"unknown annotator fields: {', '.join(sorted(unknown))}")
        gold = payload.get("gold", {})
        if not isinstance(gold, dict) or not all(isinstance(a, dict) for a in gold.values()):
            raise ValueError("gold must map task texts to answer objects")
        return cls(gold=gold, wrong_rate=payload.get("wrong_rate", 0.0),
                   malformed_rate=payload.get("malformed_rate", 0.0),
                   seed=payload.get("seed", 0))

    def annotate(self, body: Mapping[str, Any], *,
                 object_arguments: bool = False) -> Annotation | None:
        """The answer to a pre-annotation request; None for any other request.
        `object_arguments`: the dialect sends tool arguments as an object (Ollama), so they
        cannot be broken JSON."""
        request = read_request(body)
        if request is None:
            return None
        key = "\x1f".join(request.texts)
        right = self._right_answer(request)
        slots = closed_slots(right, request.schema)
        answer, wrong = self._drawn(key, right, slots)
        judge = _Judge(self, key, wrong, right)
        if request.attempt == 0 and self.unit("malformed", key) < self.malformed_rate:
            broken = self._broken(key, answer, slots, judge, request, object_arguments)
            if broken is not None:
                return broken
        pieces, scores = scored_json.write(answer, request.schema, judge)
        return Annotation("".join(pieces), pieces, scores, answer, request.as_tool)

    def unit(self, *parts: object) -> float:
        """A number in [0, 1) drawn from the seed and `parts`."""
        digest = hashlib.blake2b(repr((self.seed, *parts)).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") / 2**64

    def between(self, bounds: tuple[float, float], *parts: object) -> float:
        low, high = bounds
        return low + (high - low) * self.unit(*parts)

    def _right_answer(self, request: _Request) -> dict[str, Any]:
        known = next((self.gold[text] for text in request.texts if text in self.gold), {})
        properties = request.schema.get("properties") or {}
        return {
            name: copy.deepcopy(known[name]) if name in known else default_value(schema)
            for name, schema in properties.items()
        }

    def _drawn(self, key: str, right: dict[str, Any],
               slots: Sequence[_Slot]) -> tuple[dict[str, Any], _Slot | None]:
        """The answer as drawn for this task, and the slot written wrongly, if any."""
        if not slots or self.unit("wrong", key) >= self.wrong_rate:
            return right, None
        slot = slots[int(self.unit("slot", key) * len(slots))]
        answer = copy.deepcopy(right)
        current = _get(answer, slot.path)
        siblings = _get(answer, slot.path[:-1]) if isinstance(slot.path[-1], int) else []
        others = [v for v in slot.allowed if v != current and v not in siblings]
        others = others or [v for v in slot.allowed if v != current]
        _set(answer, slot.path, others[int(self.unit("other", key) * len(others))])
        return answer, slot

    def _broken(self, key: str, answer: dict[str, Any], slots: Sequence[_Slot],
                judge: _Judge, request: _Request, object_arguments: bool) -> Annotation | None:
        as_text = self.unit("kind", key) < 0.5 or not slots
        if as_text and not (request.as_tool and object_arguments):
            text = str(answer)  # a Python dict: single quotes, None
            pieces, scores = scored_json.scored_plainly(text)
            return Annotation(text, pieces, scores, None, request.as_tool)
        if not slots:
            return None
        outside = copy.deepcopy(answer)
        slot = slots[0]
        value = OUTSIDE_ENUM
        while value.casefold() in {v.casefold().strip() for v in slot.allowed}:
            value += "?"
        _set(outside, slot.path, value)
        pieces, scores = scored_json.write(outside, request.schema, judge)
        return Annotation("".join(pieces), pieces, scores, outside, request.as_tool)


@dataclass(frozen=True)
class _Judge:
    annotator: Annotator
    key: str
    wrong: _Slot | None
    right: Mapping[str, Any]

    def closed(self, path: Path, chosen: str, allowed: Sequence[str]) -> Mapping[str, float]:
        wrong = self.wrong is not None and path == self.wrong.path
        p = self.annotator.between(WRONG_P if wrong else RIGHT_P, "p", self.key, path)
        others = [value for value in allowed if value != chosen]
        if not others:
            return {chosen: 1.0}
        weights = {v: 0.2 + self.annotator.unit("share", self.key, path, v) for v in others}
        right = _escaped_leaf(self.right, path) if wrong else None
        if right in weights and len(weights) > 1:
            rest = sum(w for v, w in weights.items() if v != right)
            weights[right] = rest * RIGHT_SHARE_WHEN_WRONG / (1 - RIGHT_SHARE_WHEN_WRONG)
        total = sum(weights.values())
        return {chosen: p, **{v: (1 - p) * w / total for v, w in weights.items()}}

    def free(self, path: Path) -> float:
        wrong = self.wrong
        beside_wrong = (wrong is not None and len(path) >= 2 and isinstance(wrong.path[-1], str)
                        and path[:-1] == wrong.path[:-1])
        return self.annotator.between(WRONG_P if beside_wrong else RIGHT_P, "free", self.key,
                                       path)


def annotated_reply(
    annotator: Annotator, body: Mapping[str, Any], *, call_prefix: str,
    object_arguments: bool, max_tokens: Any, filtered_finish: str | None,
) -> tuple[Reply, tuple[ScriptedCall, ...]] | None:
    """The annotator's reply to `body` (and its tool call), or None to answer as usual."""
    annotation = annotator.annotate(body, object_arguments=object_arguments)
    if annotation is None:
        return None
    messages = body["messages"]
    if annotation.as_tool:
        call = ScriptedCall(0, f"{call_prefix}0", ANSWER_TOOL, annotation.arguments or {},
                            annotation.text)
        return content.calls_reply(messages, [annotation.text]), (call,)
    reply = Reply(annotation.pieces, "stop", content.prompt_tokens(messages),
                  scores=annotation.scores)
    return content.limited(reply, max_tokens, filtered_finish), ()


def read_request(body: Mapping[str, Any]) -> _Request | None:
    """The schema, task and attempt of a pre-annotation request; None for other requests."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    asked = _task_and_attempt(messages)
    schema, as_tool = _schema(body, messages)
    if asked is None or schema is None:
        return None
    texts, attempt = asked
    return _Request(schema, texts, attempt, as_tool)


def _task_and_attempt(messages: list[Any]) -> tuple[tuple[str, ...], int] | None:
    users = [(i, content.part_text(m.get("content"))) for i, m in enumerate(messages)
             if isinstance(m, dict) and m.get("role") == "user"]
    if not users or users[-1][0] != len(messages) - 1:
        return None
    tasks = [(i, text) for i, text in users if text.startswith(TASK_PREFIX)]
    if not tasks:
        return None
    at, text = tasks[-1]
    later = [t for i, t in users if i > at]
    if not all(t.startswith(REPAIR_PREFIX) for t in later):
        return None
    try:
        task = json.loads(text[len(TASK_PREFIX):])
    except ValueError:
        return None
    if not isinstance(task, dict) or not task:
        return None
    return tuple(v if isinstance(v, str) else json.dumps(v) for v in task.values()), len(later)


def _schema(body: Mapping[str, Any],
            messages: list[Any]) -> tuple[Mapping[str, Any] | None, bool]:
    if body.get("tool_choice") != "none":
        for tool in body.get("tools") or ():
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and function.get("name") == ANSWER_TOOL:
                return _object_schema(function.get("parameters")), True
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return _object_schema((response_format.get("json_schema") or {}).get("schema")), False
    if isinstance(body.get("format"), dict):
        return _object_schema(body["format"]), False
    return _spelt_out_schema(messages), False


def _spelt_out_schema(messages: list[Any]) -> Mapping[str, Any] | None:
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "system":
            continue
        text = content.part_text(message.get("content"))
        at = text.find(SCHEMA_LINE)
        if at >= 0:
            line = text[at + len(SCHEMA_LINE):].split("\n", 1)[0]
            try:
                return _object_schema(json.loads(line))
            except ValueError:
                return None
    return None


def _object_schema(schema: Any) -> Mapping[str, Any] | None:
    ok = isinstance(schema, dict) and isinstance(schema.get("properties"), dict)
    return schema if ok else None


def default_value(schema: Any) -> Any:
    """A valid answer for a control the gold answer leaves out."""
    if not isinstance(schema, dict):
        return None
    nullable = any(isinstance(o, dict) and o.get("type") == "null"
                   for o in schema.get("anyOf") or ())
    part = next((o for o in schema.get("anyOf") or () if isinstance(o, dict)
                 and o.get("type") != "null"), schema)
    kind = part.get("type")
    items: Mapping[str, Any] = part["items"] if isinstance(part.get("items"), dict) else {}
    if kind == "string" and isinstance(part.get("enum"), list) and part["enum"]:
        return part["enum"][0]
    if kind == "array" and isinstance(items.get("enum"), list) and items["enum"]:
        return [items["enum"][0]]
    if kind == "array" and items.get("type") == "object":
        return []  # no spans
    if nullable:
        return None
    return _required_default(part, kind, items)


def _required_default(part: Mapping[str, Any], kind: Any, items: Mapping[str, Any]) -> Any:
    if kind in ("integer", "number"):
        low, high = part.get("minimum"), part.get("maximum")
        return low if low is not None else (high if high is not None and high < 0 else 0)
    if kind == "string":
        pattern = part.get("pattern")
        if isinstance(pattern, str):
            return next((s for s in _DATE_SAMPLES if re.search(pattern, s)), "")
        return ""
    if kind == "array" and items.get("type") == "array":
        step: Mapping[str, Any] = items["items"] if isinstance(items.get("items"), dict) else {}
        names = step.get("enum") or []
        return [[names[0]]] if names else []
    if kind == "array":
        return ["n/a"]
    return None


def closed_slots(answer: Any, schema: Any, path: Path = ()) -> list[_Slot]:
    """The places of the answer holding a string from an enum of two or more values (choices,
    span labels), in the order written; taxonomy steps are left out, since another name there
    would make a path that does not exist rather than a wrong one."""
    part = scored_json.branch(schema, answer)
    if isinstance(answer, dict):
        properties = part.get("properties") or {}
        return [slot for key, value in answer.items()
                for slot in closed_slots(value, properties.get(key), (*path, key))]
    if isinstance(answer, list):
        items = part.get("items")
        if isinstance(items, dict) and items.get("type") == "array":
            return []
        return [slot for index, value in enumerate(answer)
                for slot in closed_slots(value, items, (*path, index))]
    allowed = scored_json.closed_strings(part)
    if isinstance(answer, str) and allowed is not None and answer in allowed:
        return [_Slot(path, tuple(allowed))]
    return []


def _get(answer: Any, path: Path) -> Any:
    for step in path:
        answer = answer[step]
    return answer


def _set(answer: Any, path: Path, value: Any) -> None:
    _get(answer, path[:-1])[path[-1]] = value


def _escaped_leaf(answer: Mapping[str, Any], path: Path) -> str | None:
    try:
        value = _get(answer, path)
    except (KeyError, IndexError, TypeError):
        return None
    return scored_json.escaped(value) if isinstance(value, str) else None
