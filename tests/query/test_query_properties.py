"""Property tests: robustness, round trips, logic laws, and a reference model.

The reference evaluator below restates the matching rules in the most direct
way (token lists, ``in``, a hand-written ``*`` matcher) so that the fast
evaluator's regex and spelling-set tricks are checked against the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.query import (
    And,
    Comparison,
    FreeText,
    MatchAll,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    canonical_field,
    compile_query,
    complete,
    completion_start,
    field_spec,
    lint,
    parse,
    to_query,
)
from console.query.fields import FREE_TEXT_FIELDS, PRIORITY_RANK, FieldKind

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- documents ------------------------------------------------------------------

WORDS = ["disk", "Disk", "DISK", "full", "db", "01", "redis", "server", "eu", "west", "k"]
WORDS += ["\u212a", "é", "É", "x_y", "a.b", "Straße", "42"]
SEPARATORS = [" ", "-", ".", "_", ": ", "  ", "/", "\n"]

word = st.sampled_from(WORDS)
text_value = st.lists(st.tuples(word, st.sampled_from(SEPARATORS)), min_size=0, max_size=4).map(
    lambda pairs: "".join(w + s for w, s in pairs).strip(" ")
)
keyword_value = st.sampled_from(["database", "Database", "DATABASE", "prod-eu", "k8s", "\u212a8s"])
keyword_value |= word
maybe = st.one_of(st.none(), st.just(""), st.just([]))
epoch = st.sampled_from([0, 1704067200000, 1704067200001, 1704438000000, 1800000000000])
prop_value = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 50), st.sampled_from(["2.5", "x", "eu-west-1"]), word
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": draw(keyword_value),
        "tinyId": draw(st.sampled_from(["1", "28", "100", "abc"])),
        "status": draw(st.sampled_from(["open", "closed", "OPEN", "Closed"])),
        "acknowledged": draw(st.booleans()),
        "snoozed": draw(st.booleans()),
        "seen": draw(st.one_of(st.booleans(), st.just("true"))),
        "priority": draw(st.sampled_from(["P1", "P2", "P3", "P4", "P5", "p2", "urgent"])),
        "count": draw(st.integers(0, 10)),
        "createdAt": draw(epoch),
        "snoozedUntil": draw(st.one_of(st.none(), epoch)),
        "tags": draw(st.lists(keyword_value, max_size=3)),
        "teams": draw(st.lists(keyword_value, max_size=2)),
        "owner": draw(st.lists(text_value, max_size=2)),
        "extraProperties": draw(
            st.dictionaries(st.sampled_from(["env", "Env", "a.b", "key", "n"]), prop_value)
        ),
    }
    for key in (*FREE_TEXT_FIELDS, "source", "integration.name"):
        doc[key] = draw(text_value)
    dropped = draw(st.sets(st.sampled_from(sorted(doc))))
    return {k: (draw(maybe) if k in dropped else v) for k, v in doc.items() if k != "id" or v}


# -- query trees (in the normalised form parse() produces) -------------------------

bare = st.sampled_from([*WORDS, "db-01", "eu_west", "a.b.c", "x!"]).filter(
    lambda w: w.upper() not in ("AND", "OR", "NOT", "NULL")
)


@st.composite
def globs(draw: st.DrawFn) -> str:
    base = draw(bare)
    cut = draw(st.integers(0, len(base)))
    end = draw(st.integers(cut, len(base)))
    glob = base[:cut] + "*" + base[end:]
    return draw(st.sampled_from([glob, "*" + glob, glob + "*"]))


quoted_text = st.lists(
    st.sampled_from([*WORDS, '"', "\\", "*", "(", "NULL", "and"]), min_size=1, max_size=3
).map(" ".join)


@st.composite
def string_value(draw: st.DrawFn) -> tuple[str, bool]:
    kind = draw(st.sampled_from(["bare", "glob", "quoted"]))
    if kind == "bare":
        return draw(bare), False
    if kind == "glob":
        return draw(globs()), False
    return draw(quoted_text), True


FIELD_NAMES = ["message", "entity", "source", "owner", "integration.name", "tags", "teams", "id"]
FIELD_NAMES += ["extraProperties.env", "extraProperties.a.b", "details.key", "details.value"]


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    choice = draw(st.sampled_from(["string", "number", "bool", "status", "priority", "tiny"]))
    if choice == "string":
        field = draw(st.sampled_from([*FIELD_NAMES, "nosuchfield"]))
        op = draw(st.sampled_from([":", "!="]))
        if draw(st.booleans()) and draw(st.booleans()):
            return Comparison(field, op, None, "NULL")
        value, quoted = draw(string_value())
        return Comparison(field, op, value, value, quoted)
    if choice == "number":
        field = draw(st.sampled_from(["count", "createdAt", "snoozedUntil"]))
        value = draw(st.integers(0, 10) if field == "count" else epoch)
        op = draw(st.sampled_from([":", "!=", "<", ">", "<=", ">="]))
        return Comparison(field, op, value, str(value))
    if choice == "bool":
        field = draw(st.sampled_from(["acknowledged", "snoozed", "seen"]))
        value = draw(st.booleans())
        return Comparison(field, draw(st.sampled_from([":", "!="])), value, str(value).lower())
    if choice == "status":
        value = draw(st.sampled_from(["open", "closed", "acked", "unacked", "snoozed", "resolved"]))
        return Comparison("status", draw(st.sampled_from([":", "!="])), value, value)
    if choice == "priority":
        value = draw(st.sampled_from(sorted(PRIORITY_RANK)))
        op = draw(st.sampled_from([":", "!=", "<", ">", "<=", ">="]))
        return Comparison("priority", op, value, value)
    field = draw(st.sampled_from(["tinyId", "extraProperties.n", "details.value"]))
    value = draw(st.sampled_from(["1", "28", "2.5", "-1"]))
    return Comparison(field, draw(st.sampled_from(["<", ">", "<=", ">="])), value, value)


leaves = st.one_of(
    comparisons(), string_value().map(lambda v: FreeText(v[0], v[1]) if v[0] else FreeText("x"))
)
trees: st.SearchStrategy[Node] = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(children, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
        children.map(Not),
    ),
    max_leaves=8,
)


# -- the reference model ----------------------------------------------------------


def ref_tokens(text: str) -> list[str]:
    out, current = [], ""
    for ch in text.lower():
        if ch.isalnum():
            current += ch
        elif current:
            out.append(current)
            current = ""
    return [*out, current] if current else out


def ref_glob(pattern: str, text: str) -> bool:
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern == text
    if not text.startswith(parts[0]):
        return False
    pos = len(parts[0])
    for middle in parts[1:-1]:
        found = text.find(middle, pos)
        if found < 0:
            return False
        pos = found + len(middle)
    return len(text) - pos >= len(parts[-1]) and text.endswith(parts[-1])


def ref_text(value: str, quoted: bool, field: str) -> bool:
    f, v = field.lower(), value.lower()
    if not quoted and "*" in value:
        if ref_glob(v, f):
            return True
        return all(c.isalnum() for c in v.replace("*", "")) and any(
            ref_glob(v, t) for t in ref_tokens(f)
        )
    wanted, have = ref_tokens(v), ref_tokens(f)
    if not wanted:
        return f == v
    n = len(wanted)
    if any(have[i : i + n] == wanted for i in range(len(have) - n + 1)):
        return True
    return quoted and n > 1 and v in f


def ref_keyword(value: str, quoted: bool, field: str) -> bool:
    if not quoted and "*" in value:
        return ref_glob(value.lower(), field.lower())
    return field.lower() == value.lower()


def as_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def ref_any(stored: Any, test: Any) -> bool:
    if stored is None or isinstance(stored, Mapping):
        return False
    items = stored if isinstance(stored, list) else [stored]
    return any(test(as_text(item)) for item in items if item is not None)


def unset(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple) and not value)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def compare(left: float, op: str, right: float) -> bool:
    return {
        ":": left == right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[op]


def prop(doc: Mapping[str, Any], key: str) -> Any:
    props = doc.get("extraProperties") or {}
    if key in props:
        return props[key]
    return next((v for k, v in props.items() if k.lower() == key.lower()), None)


def ref_comparison(node: Comparison, doc: Mapping[str, Any]) -> bool:
    field, spec = canonical_field(node.field), field_spec(node.field)
    if field is None or spec is None:
        return False
    if node.op == "!=":
        return not ref_comparison(Comparison(field, ":", node.value, node.raw, node.quoted), doc)
    op, value = node.op, node.value
    props = doc.get("extraProperties") or {}
    if field in ("details.key", "details.value"):
        candidates = list(props) if field == "details.key" else list(props.values())
        if value is None:
            return not props
        if op != ":":
            return any(
                (n := number(c)) is not None and compare(n, op, float(str(value)))
                for c in candidates
            )
        return any(
            c is not None and ref_keyword(str(value), node.quoted, as_text(c)) for c in candidates
        )
    stored = (
        prop(doc, field.split(".", 1)[1]) if spec.kind is FieldKind.PROPERTY else doc.get(field)
    )
    if value is None:
        return unset(stored)
    if spec.kind is FieldKind.PROPERTY and op != ":":
        n = number(stored)
        return n is not None and compare(n, op, float(str(value)))
    if spec.kind is FieldKind.PROPERTY:
        return stored is not None and ref_keyword(str(value), node.quoted, as_text(stored))
    if spec.kind is FieldKind.BOOLEAN:
        return stored is value or (isinstance(stored, str) and stored.lower() == as_text(value))
    if spec.kind in (FieldKind.NUMBER, FieldKind.DATE):
        ok = isinstance(stored, int | float) and not isinstance(stored, bool)
        return ok and compare(stored, op, int(value))  # type: ignore[arg-type]
    if spec.kind is FieldKind.STATUS:
        status = str(doc.get("status") or "").lower()
        acked = doc.get("acknowledged") is True
        return {
            "open": status == "open",
            "closed": status == "closed",
            "resolved": status == "closed",
            "acked": status == "open" and acked,
            "unacked": status == "open" and not acked,
            "snoozed": doc.get("snoozed") is True,
        }[str(value)]
    if spec.kind is FieldKind.PRIORITY:
        rank = PRIORITY_RANK.get(str(stored).upper()) if isinstance(stored, str) else None
        # "greater" priority is a smaller rank: compare the negated ranks
        return rank is not None and compare(-rank, op, -PRIORITY_RANK[str(value)])
    if field == "tinyId" and op != ":":
        n = number(stored)
        return n is not None and compare(n, op, float(str(value)))
    test = ref_text if spec.kind is FieldKind.TEXT else ref_keyword
    return ref_any(stored, lambda s: test(str(value), node.quoted, s))


def ref_eval(node: Node, doc: Mapping[str, Any]) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, And):
        return all(ref_eval(child, doc) for child in node.children)
    if isinstance(node, Or):
        return any(ref_eval(child, doc) for child in node.children)
    if isinstance(node, Not):
        return not ref_eval(node.child, doc)
    if isinstance(node, FreeText):
        return any(
            ref_any(doc.get(k), lambda s: ref_text(node.value, node.quoted, s))
            for k in FREE_TEXT_FIELDS
        )
    assert isinstance(node, Comparison)
    return ref_comparison(node, doc)


# -- properties -----------------------------------------------------------------------


@SETTINGS
@given(trees, st.lists(documents(), min_size=1, max_size=5))
def test_fast_evaluator_agrees_with_reference(tree: Node, docs: list[dict[str, Any]]) -> None:
    predicate = compile_query(tree)
    for doc in docs:
        assert predicate(doc) == ref_eval(tree, doc), (to_query(tree), doc)


@SETTINGS
@given(trees, st.lists(documents(), min_size=1, max_size=5))
def test_render_then_parse_means_the_same(tree: Node, docs: list[dict[str, Any]]) -> None:
    text = to_query(tree)
    reparsed = parse(text)
    assert to_query(reparsed) == text
    original, again = compile_query(tree), compile_query(reparsed)
    for doc in docs:
        assert original(doc) == again(doc), text


@SETTINGS
@given(trees, trees, st.lists(documents(), min_size=1, max_size=5))
def test_de_morgan(a: Node, b: Node, docs: list[dict[str, Any]]) -> None:
    ta, tb = to_query(a), to_query(b)
    left = compile_query(f"NOT (({ta}) AND ({tb}))")
    right = compile_query(f"NOT ({ta}) OR NOT ({tb})")
    left_or = compile_query(f"NOT (({ta}) OR ({tb}))")
    right_or = compile_query(f"NOT ({ta}) AND NOT ({tb})")
    for doc in docs:
        assert left(doc) == right(doc)
        assert left_or(doc) == right_or(doc)


@SETTINGS
@given(comparisons(), st.lists(documents(), min_size=1, max_size=5))
def test_not_equal_is_negated_equal(node: Comparison, docs: list[dict[str, Any]]) -> None:
    if node.op not in (":", "!="):
        return
    flipped = Comparison(
        node.field, "!=" if node.op == ":" else ":", node.value, node.raw, node.quoted
    )
    known = canonical_field(node.field) is not None
    for doc in docs:
        if known:
            assert compile_query(node)(doc) != compile_query(flipped)(doc)
        else:
            assert not compile_query(node)(doc) and not compile_query(flipped)(doc)


QUERY_PIECES = [
    "status", "priority", "message", "tag", "count", "createdAt", "details.x", "foo", ":", "=",
    "!=", ">", "<=", "(", ")", "AND", "or", "NOT", '"', '"a b"', "\\", "*", "open", "P1", "5",
    "NULL", "true", "2024-01-05T07:00:00Z", "abc", "-", "!", " ",
]  # fmt: skip
query_like = st.lists(st.sampled_from(QUERY_PIECES), max_size=12).map(
    lambda parts: "".join(p if p in (":", "=", "(", ")", '"', "\\") else f"{p} " for p in parts)
)
any_text = st.one_of(query_like, st.text(max_size=40))


@SETTINGS
@given(any_text, st.lists(documents(), max_size=3))
def test_arbitrary_text_never_crashes(text: str, docs: list[dict[str, Any]]) -> None:
    try:
        node = parse(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        assert exc.length >= 1 and exc.position + exc.length <= len(text) + 1
        assert [d.severity for d in lint(text)] == ["error"]
    else:
        predicate = compile_query(text)
        for doc in docs:
            predicate(doc)
        assert all(d.severity == "warning" for d in lint(text))
        assert parse(to_query(node)) == parse(to_query(parse(to_query(node))))
    for cursor in range(len(text) + 1):
        options = complete(text, cursor)
        assert options == sorted(options, key=lambda c: (c.lower(), c))
        assert 0 <= completion_start(text, cursor) <= cursor
