"""YAML problem file → a validated `Problem` (SPEC §1), with positions kept.

Only structure and names are checked here; expressions are parsed later by
`build`. Every error is a LocatedError pointing at the offending key or value.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction

from derivcheck.lang import yamlsafe
from derivcheck.lang.errors import LocatedError, suggest
from derivcheck.lang.exprs import name_problem
from derivcheck.lang.yamlsafe import Map, Scalar, Seq

TOP_KEYS = ("derivcheck", "id", "title", "source", "notes", "dims", "inputs", "functions",
            "network", "nodes", "output", "claims", "points", "check")
INPUT_KEYS = ("shape", "domain", "value")
CLAIM_KEYS = ("of", "wrt", "is", "latex", "entries", "name", "diagonal", "expect", "approx",
              "max_rel_error", "index_order", "rtol", "atol")
ENTRIES_KEYS = ("index", "is")
CHECK_KEYS = ("samples", "seed", "rtol", "atol", "timeout")
NETWORK_KEYS = ("sizes", "activation", "output_activation", "loss", "bias")
MAX_NODES = 20_000  # the node-count gate (a DAG this large is never a hand-written exercise)
MAX_INPUTS = 2_000  # inputs declared one by one
MAX_INPUT_ENTRIES = 10_000  # scalar entries of all inputs together (a 100×100 matrix), networks included
MAX_CLAIMS = 1_000
MAX_POINTS = 1_000
MIN_TIMEOUT, MAX_TIMEOUT = 0.1, 3600  # as for --timeout
DOMAINS = ("real", "positive", "negative", "nonzero", "symmetric", "spd", "invertible")
MATRIX_DOMAINS = ("symmetric", "spd", "invertible")


@dataclass(frozen=True)
class Text:
    """A string from the file and where it starts; `plain` tells how offsets map to columns."""

    text: str
    line: int
    col: int
    plain: bool = True

    def locate(self, offset: int) -> tuple[int, int]:
        if "\n" in self.text:
            return self.line, self.col
        return self.line, self.col + offset + (0 if self.plain else 1)


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple
    domain: object  # a DOMAINS string or (lo, hi) Fractions
    value: object  # None, a Fraction, or nested lists of Fractions
    line: int
    col: int


@dataclass(frozen=True)
class ClaimSpec:
    index: int
    name: str
    of: Text | None
    wrt: tuple  # of Text, one or two
    kind: str  # is | latex | entries
    body: Text
    entry_index: tuple = ()  # of Text, for entries claims
    diagonal: bool = False
    expect_fails: bool = False
    approx: bool = False
    max_rel_error: Fraction | None = None
    wrt_first: bool = False
    rtol: Fraction | None = None
    atol: Fraction | None = None
    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class CheckSettings:
    samples: int = 8
    seed: int | None = None
    rtol: Fraction | None = None  # None: exact up to evaluation precision (see verify.DEFAULT_RTOL)
    atol: Fraction | None = None
    timeout: float = 20.0


@dataclass(frozen=True)
class NetworkSpec:
    sizes: tuple
    activation: str
    output_activation: str
    loss: str
    bias: bool
    line: int
    col: int


@dataclass(frozen=True)
class Problem:
    path: str
    id: str
    title: str = ""
    source: str = ""
    notes: str = ""
    dims: dict = field(default_factory=dict)
    inputs: tuple = ()
    functions: tuple = ()
    network: NetworkSpec | None = None
    nodes: tuple = ()  # of (name, Text)
    output: Text | None = None
    claims: tuple = ()
    points: tuple = ()  # of dict name → (Given, line of the name, col)
    check: CheckSettings = CheckSettings()


@dataclass(frozen=True)
class Given:
    """A number, or a list of them, written in `points:`: read here, shaped in build (dims decide the shape)."""
    value: object  # a Fraction, or a tuple of Given
    line: int
    col: int

    def shaped(self, shape: tuple, name: str):
        """The value as nested lists of the input's shape; a located error when it has another."""
        if not shape:
            if isinstance(self.value, tuple):
                raise LocatedError(f"value of {name!r} must be a single value, not a list", self.line, self.col)
            return self.value
        what = "entries" if len(shape) == 1 else "rows"
        if not isinstance(self.value, tuple):
            raise LocatedError(f"value of {name!r} must be a list", self.line, self.col)
        if len(self.value) != shape[0]:
            raise LocatedError(f"value of {name!r} has {len(self.value)} {what}, its shape needs {shape[0]}",
                               self.line, self.col)
        return [part.shaped(shape[1:], name) for part in self.value]


def given(node, name: str) -> Given:
    if isinstance(node, Map):
        fail(node, f"value of {name!r} must be a number or a list of numbers, not a mapping")
    if isinstance(node, Seq):
        return Given(tuple(given(part, name) for part in node.items), node.line, node.col)
    return Given(float_number(node, f"value of {name!r}"), node.line, node.col)


FLOAT_MAX = sys.float_info.max


def float_number(node, what: str) -> Fraction:
    """An exact number that float64 can hold: the engine and the sampler evaluate in float64."""
    value = yamlsafe.as_number(expect_scalar(node, what), what)
    if abs(value) > FLOAT_MAX:
        fail(node, f"{what}: {node.text} is beyond the range of a float (about ±1.8e308)")
    return value


def fail(node, message: str):
    raise LocatedError(message, node.line, node.col)


def expect_map(node, what: str) -> Map:
    if not isinstance(node, Map):
        fail(node, f"{what} must be a mapping of keys")
    return node


def expect_seq(node, what: str) -> Seq:
    if not isinstance(node, Seq):
        fail(node, f"{what} must be a list")
    return node


def expect_scalar(node, what: str) -> Scalar:
    if not isinstance(node, Scalar):
        fail(node, f"{what} must be a single value, not a {'list' if isinstance(node, Seq) else 'mapping'}")
    return node


def keyed(node: Map, allowed, what: str) -> dict:
    """The map's entries by key, refusing unknown keys with a suggestion."""
    out = {}
    for key, value in node.items:
        if key.text not in allowed:
            comma = ""
            if isinstance(value, Scalar) and value.plain and not value.text and any(
                    isinstance(v, Scalar) and v.plain and (v.line, v.col) < (key.line, key.col) for _, v in node.items):
                comma = (f"; an unquoted comma ends a value in a flow mapping, so {key.text!r} was read as a key: "
                         "quote the expression, as in {is: \"max(a, b)\"}")
            fail(key, f"unknown key {key.text!r} in {what}{suggest(key.text, allowed)}; allowed: {', '.join(allowed)}"
                      f"{comma}")
        out[key.text] = value
    return out


def text_of(node, what: str) -> Text:
    s = expect_scalar(node, what)
    if not s.text.strip():
        fail(s, f"{what} is empty")
    return Text(s.text, s.line, s.col, s.plain)


def valid_name(node: Scalar, what: str) -> str:
    problem = name_problem(node.text)
    if problem:
        fail(node, f"{what}: {problem}")
    return node.text


def load_text(data, path: str) -> Problem:
    """Parse and validate a problem file's contents."""
    try:
        root = yamlsafe.load(data)
        top = keyed(expect_map(root, "a problem file"), TOP_KEYS, "the problem")
        return _Reader(path, top).problem()
    except yamlsafe.YamlError as exc:
        raise LocatedError(exc.message, exc.line, exc.col) from None


class _Reader:
    def __init__(self, path: str, top: dict):
        self.path, self.top = path, top
        self.defined: dict[str, Scalar] = {}

    def define(self, node: Scalar, what: str) -> str:
        name = valid_name(node, what)
        if name in self.defined:
            first = self.defined[name]
            fail(node, f"{name!r} is defined twice (first at line {first.line})")
        self.defined[name] = node
        return name

    def problem(self) -> Problem:
        top = self.top
        if "derivcheck" in top and yamlsafe.as_int(expect_scalar(top["derivcheck"], "derivcheck"), "derivcheck") != 1:
            fail(top["derivcheck"], "unsupported format version: only `derivcheck: 1` exists")
        stem = self.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "stdin"
        ident = text_of(top["id"], "id").text if "id" in top else stem
        dims = self.dims()
        functions = tuple(self.define(expect_scalar(n, "a function name"), "function")
                          for n in expect_seq(top.get("functions", Seq((), 0, 0)), "functions").items)
        network = self.network() if "network" in top else None
        if "inputs" not in top and network is None:
            raise LocatedError("missing key 'inputs' (or a `network` that defines them)", 1, 1)
        inputs = self.inputs(dims) if "inputs" in top else ()
        nodes = self.nodes()
        return Problem(
            path=self.path,
            id=ident,
            title=self.free_text("title"),
            source=self.free_text("source"),
            notes=self.free_text("notes"),
            dims=dims,
            inputs=inputs,
            functions=functions,
            network=network,
            nodes=nodes,
            output=text_of(top["output"], "output") if "output" in top else None,
            claims=self.claims(),
            points=self.points(),
            check=self.check(),
        )

    def free_text(self, key: str) -> str:
        return expect_scalar(self.top[key], key).text if key in self.top else ""

    def dims(self) -> dict:
        if "dims" not in self.top:
            return {}
        dims = {}
        for key, value in expect_map(self.top["dims"], "dims").items:
            name = self.define(key, "dim")
            size = yamlsafe.as_int(expect_scalar(value, f"dims.{name}"), f"dims.{name}")
            if not 1 <= size <= 10_000:
                fail(value, f"dims.{name} must be between 1 and 10000, got {size}")
            dims[name] = size
        return dims

    def inputs(self, dims: dict) -> tuple:
        node = self.top["inputs"]
        items = node.items if isinstance(node, (Seq, Map)) else ()
        if len(items) > MAX_INPUTS:
            extra = items[MAX_INPUTS]
            fail(extra[0] if isinstance(extra, tuple) else extra,
                 f"more than {MAX_INPUTS} inputs; the input-count gate stops oversized problems")
        if isinstance(node, Seq):
            return tuple(InputSpec(self.define(expect_scalar(n, "an input name"), "input"), (), "real", None, n.line, n.col)
                         for n in node.items)
        specs = []
        total = 0
        for key, value in expect_map(node, "inputs").items:
            name = self.define(key, "input")
            if isinstance(value, Scalar) and value.text in ("", "{}"):
                specs.append(InputSpec(name, (), "real", None, key.line, key.col))
                continue
            fields = keyed(expect_map(value, f"input {name!r}"), INPUT_KEYS, f"input {name!r}")
            shape = self.shape(fields["shape"], dims, name) if "shape" in fields else ()
            total += math.prod(shape)
            if total > MAX_INPUT_ENTRIES:
                fail(fields["shape"], f"the inputs have more than {MAX_INPUT_ENTRIES} entries in all (input {name!r} has "
                                      f"shape {list(shape)}); the tensor-size gate keeps exact symbolic work bounded")
            domain = self.domain(fields["domain"], shape, name) if "domain" in fields else "real"
            fixed = given(fields["value"], name).shaped(shape, name) if "value" in fields else None
            specs.append(InputSpec(name, shape, domain, fixed, key.line, key.col))
        return tuple(specs)

    def shape(self, node, dims: dict, name: str) -> tuple:
        items = expect_seq(node, f"shape of {name!r}").items
        if len(items) > 2:
            fail(node, f"shape of {name!r}: at most 2 entries ([] scalar, [n] vector, [m, n] matrix)")
        shape = []
        for item in items:
            s = expect_scalar(item, "a shape entry")
            if s.text in dims:
                shape.append(dims[s.text])
                continue
            if not s.text.lstrip("+").isdigit():
                fail(s, f"shape entry {s.text!r} is neither a positive integer nor a name in dims{suggest(s.text, dims)}")
            size = yamlsafe.as_int(s, "a shape entry")
            if not 1 <= size <= 10_000:
                fail(s, f"shape entry must be between 1 and 10000, got {size}")
            shape.append(size)
        return tuple(shape)

    def domain(self, node, shape: tuple, name: str):
        if isinstance(node, Seq):
            if len(node.items) != 2:
                fail(node, f"domain of {name!r}: an interval is [lo, hi]")
            lo, hi = (float_number(n, "an interval end") for n in node.items)
            if not lo < hi:
                fail(node, f"domain of {name!r}: the interval [{lo}, {hi}] is empty")
            return (lo, hi)
        word = expect_scalar(node, f"domain of {name!r}").text
        if word not in DOMAINS:
            fail(node, f"unknown domain {word!r}{suggest(word, DOMAINS)}; allowed: {', '.join(DOMAINS)} or [lo, hi]")
        if word in MATRIX_DOMAINS and (len(shape) != 2 or shape[0] != shape[1]):
            fail(node, f"domain {word!r} needs a square matrix; {name!r} has shape {list(shape)}")
        return word

    def nodes(self) -> tuple:
        if "nodes" not in self.top:
            return ()
        items = expect_map(self.top["nodes"], "nodes").items
        if len(items) > MAX_NODES:
            fail(items[MAX_NODES][0], f"more than {MAX_NODES} nodes; the node-count gate stops oversized DAGs")
        return tuple((self.define(key, "node"), text_of(value, f"node {key.text!r}"))
                     for key, value in expect_map(self.top["nodes"], "nodes").items)

    def claims(self) -> tuple:
        if "claims" not in self.top:
            return ()
        items = expect_seq(self.top["claims"], "claims").items
        if len(items) > MAX_CLAIMS:
            fail(items[MAX_CLAIMS], f"more than {MAX_CLAIMS} claims; the claim-count gate stops oversized problems")
        return tuple(self.claim(i, node) for i, node in enumerate(items))

    def claim(self, index: int, node) -> ClaimSpec:
        fields = keyed(expect_map(node, f"claim {index + 1}"), CLAIM_KEYS, "a claim")
        kinds = [k for k in ("is", "latex", "entries") if k in fields]
        if len(kinds) != 1:
            fail(node, f"claim {index + 1} needs exactly one of is, latex, entries" + (f" (it has {', '.join(kinds)})" if kinds else ""))
        if "wrt" not in fields:
            fail(node, f"claim {index + 1} needs `wrt`: the name to differentiate with respect to")
        wrt_node = fields["wrt"]
        if isinstance(wrt_node, Seq):
            if len(wrt_node.items) not in (1, 2):
                fail(wrt_node, "wrt is a name, or a list of two names for a second derivative")
            wrt = tuple(text_of(n, "wrt") for n in wrt_node.items)
        else:
            wrt = (text_of(wrt_node, "wrt"),)
        kind = kinds[0]
        entry_index: tuple = ()
        if kind == "entries":
            entries = keyed(expect_map(fields["entries"], "entries"), ENTRIES_KEYS, "entries")
            if "index" not in entries or "is" not in entries:
                fail(fields["entries"], "entries needs `index` (a list of index names) and `is` (a formula)")
            entry_index = tuple(Text(valid_name(expect_scalar(n, "an index name"), "index"), n.line, n.col)
                                for n in expect_seq(entries["index"], "entries.index").items)
            for t in entry_index:
                if t.text in self.defined:
                    raise LocatedError(f"index name {t.text!r} is already a name of this problem; pick another", t.line, t.col)
            body = text_of(entries["is"], "entries.is")
        else:
            body = text_of(fields[kind], kind)
        flag = lambda key: key in fields and yamlsafe.as_bool(expect_scalar(fields[key], key), key)  # noqa: E731
        number = lambda key: yamlsafe.as_number(expect_scalar(fields[key], key), key) if key in fields else None  # noqa: E731
        if "expect" in fields and expect_scalar(fields["expect"], "expect").text != "fails":
            fail(fields["expect"], "expect can only be `fails`")
        order = "of-first"
        if "index_order" in fields:
            order = expect_scalar(fields["index_order"], "index_order").text
            if order not in ("of-first", "wrt-first"):
                fail(fields["index_order"], f"index_order is of-first or wrt-first, not {order!r}")
        diagonal = flag("diagonal")
        if diagonal and len(wrt) != 2:
            fail(fields["diagonal"], "diagonal: true is for second derivatives (wrt: [v, v])")
        return ClaimSpec(
            index=index,
            name=expect_scalar(fields["name"], "name").text if "name" in fields else "",
            of=text_of(fields["of"], "of") if "of" in fields else None,
            wrt=wrt,
            kind=kind,
            body=body,
            entry_index=entry_index,
            diagonal=diagonal,
            expect_fails="expect" in fields,
            approx=flag("approx"),
            max_rel_error=number("max_rel_error"),
            wrt_first=order == "wrt-first",
            rtol=number("rtol"),
            atol=number("atol"),
            line=node.line,
            col=node.col,
        )

    def points(self) -> tuple:
        if "points" not in self.top:
            return ()
        out = []
        items = expect_seq(self.top["points"], "points").items
        if len(items) > MAX_POINTS:
            fail(items[MAX_POINTS], f"more than {MAX_POINTS} points; the point-count gate keeps checking bounded")
        for point in items:
            entries = {}
            for key, value in expect_map(point, "a point").items:
                entries[key.text] = (given(value, key.text), key.line, key.col)
            out.append(entries)
        return tuple(out)

    def check(self) -> CheckSettings:
        if "check" not in self.top:
            return CheckSettings()
        fields = keyed(expect_map(self.top["check"], "check"), CHECK_KEYS, "check")
        settings = {}
        for key in ("samples", "seed"):
            if key in fields:
                settings[key] = yamlsafe.as_int(expect_scalar(fields[key], f"check.{key}"), f"check.{key}")
        if settings.get("samples", 8) < 8 or settings.get("samples", 8) > 1000:
            fail(fields["samples"], "check.samples must be between 8 and 1000: a verdict rests on at least 8 "
                                    "valid sample points")
        for key in ("rtol", "atol", "timeout"):
            if key in fields:
                value = yamlsafe.as_number(expect_scalar(fields[key], f"check.{key}"), f"check.{key}")
                if value < 0 or (key == "timeout" and value == 0):
                    fail(fields[key], f"check.{key} must be positive")
                if key == "timeout" and not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
                    fail(fields[key], f"check.timeout must be between {MIN_TIMEOUT} and {MAX_TIMEOUT} seconds")
                settings[key] = float(value) if key == "timeout" else value
        return CheckSettings(**settings)

    def network(self) -> NetworkSpec:
        node = self.top["network"]
        fields = keyed(expect_map(node, "network"), NETWORK_KEYS, "network")
        if "sizes" not in fields:
            fail(node, "network needs `sizes`, e.g. [3, 4, 2]")
        sizes = tuple(yamlsafe.as_int(expect_scalar(n, "a layer size"), "a layer size")
                      for n in expect_seq(fields["sizes"], "network.sizes").items)
        if len(sizes) < 2 or any(not 1 <= s <= 10_000 for s in sizes):
            fail(fields["sizes"], "network.sizes needs at least two layer sizes between 1 and 10000")
        weights = sum(a * b + b for a, b in zip(sizes, sizes[1:])) + sizes[0] + sizes[-1]
        if weights > MAX_INPUT_ENTRIES:
            fail(fields["sizes"], f"network.sizes {list(sizes)} makes {weights} input entries (weights, biases, x, t); "
                                  f"the tensor-size gate allows {MAX_INPUT_ENTRIES}")
        word = lambda key, default: expect_scalar(fields[key], f"network.{key}").text if key in fields else default  # noqa: E731
        spec = NetworkSpec(
            sizes=sizes,
            activation=word("activation", "tanh"),
            output_activation=word("output_activation", "identity"),
            loss=word("loss", "sse"),
            bias=yamlsafe.as_bool(expect_scalar(fields["bias"], "network.bias"), "network.bias") if "bias" in fields else False,
            line=node.line,
            col=node.col,
        )
        if spec.output_activation not in ("identity", "sigmoid", "tanh", "softmax"):
            fail(fields["output_activation"], "output_activation is identity, sigmoid, tanh or softmax")
        if spec.loss not in ("sse", "cross_entropy"):
            fail(fields["loss"], "loss is sse or cross_entropy")
        if spec.loss == "cross_entropy" and spec.output_activation != "softmax":
            fail(fields["loss"], "cross_entropy requires output_activation: softmax")
        return spec
