"""Tests for derivcheck.lang.yamlsafe: every rule of the hardened reader, with exact positions."""
import pickle
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck.lang import yamlsafe as ys
from derivcheck.lang.yamlsafe import Map, Scalar, Seq, YamlError, as_bool, as_int, as_number, as_text, load

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(autouse=True, params=LOADERS, ids=lambda L: L.__name__)
def loader(request, monkeypatch):
    """Run every test with the C parser and with the pure-Python one: both must agree."""
    monkeypatch.setattr(ys, "_LOADER", request.param)
    return request.param


def err(data) -> YamlError:
    with pytest.raises(YamlError) as info:
        load(data)
    return info.value


def assert_err(data, line, col, *parts):
    e = err(data)
    assert (e.line, e.col) == (line, col), e.message
    for part in parts:
        assert part in e.message, e.message
    return e


def get(m: Map, key: str):
    return next(v for k, v in m.items if k.text == key)


# --- the error type

def test_yaml_error_fields_str_and_pickle():
    e = YamlError("boom", 3, 7)
    assert (e.message, e.line, e.col, str(e)) == ("boom", 3, 7, "boom")
    back = pickle.loads(pickle.dumps(e))  # `check` runs problems in worker processes
    assert (back.message, back.line, back.col) == ("boom", 3, 7)


# --- bytes, encoding, size

def test_bytes_and_str_give_the_same_tree():
    src = "a: 1\nb: [x, 'y']\n"
    assert load(src) == load(src.encode()) == load(bytearray(src.encode()))


def test_invalid_utf8_is_located_in_characters_not_bytes():
    assert_err(b"a: 1\nb: \xc3\xa9\xe2\x82\xac\xff\n", 2, 6, "invalid UTF-8")


def test_invalid_utf8_truncated_sequence_and_bom_line_one():
    assert_err(b"\xef\xbb\xbfab\xc3", 1, 3, "invalid UTF-8")
    assert_err(b"a: \xed\xa0\x80", 1, 4, "invalid UTF-8")  # an encoded surrogate is not UTF-8


def test_bom_is_dropped():
    for data in (b"\xef\xbb\xbfa: 1\n", "\ufeffa: 1\n"):
        node = load(data)
        assert node == Map(((Scalar("a", True, 1, 1), Scalar("1", True, 1, 4)),), 1, 1)


def test_nul_character_is_located():
    assert_err("a: 1\nb: x\0y\n", 2, 5, "NUL")
    assert_err(b"a: 1\r\nb: \0", 2, 4, "NUL")


def test_control_characters_and_surrogates_are_located():
    assert_err("a: \x01", 1, 4, "U+0001")
    assert_err("a: 1\nb: \ud800", 2, 4, "U+D800")


def test_size_cap():
    big = "a: " + "x" * ys.MAX_BYTES
    assert_err(big, 1, 1, "file is larger than 1 MiB")
    assert_err(big.encode(), 1, 1, "file is larger than 1 MiB")
    assert_err("a: " + "é" * (ys.MAX_BYTES // 2), 1, 1, "larger than 1 MiB")  # counted in bytes
    ok = "a: " + "x" * (ys.MAX_BYTES - 3)
    assert len(get(load(ok.encode()), "a").text) == ys.MAX_BYTES - 3


def test_wrong_input_type_is_a_yaml_error():
    assert_err(12, 1, 1, "bytes or str")


# --- documents and the top level

@pytest.mark.parametrize("data", ["", b"", "\n\n   \n", "# only a comment\n  # another\n", "\ufeff", "---\n"])
def test_empty_file(data):
    assert_err(data, 1, 1, "empty file: ")


@pytest.mark.parametrize("data, line", [("a: 1\n---\nb: 2\n", 2), ("---\na: 1\n---\nb: 2\n", 3),
                                        ("a: 1\n...\n---\nb: 2\n", 3)])
def test_several_documents_error_at_the_second(data, line):
    assert_err(data, line, 1, "several YAML documents")


@pytest.mark.parametrize("data, line, col", [("hello\n", 1, 1), ("\n\n  hello\n", 3, 3), ("'x'", 1, 1),
                                             ("- a\n- b\n", 1, 1), ("# c\n[1, 2]\n", 2, 1), ("|\n  text\n", 1, 1)])
def test_top_level_must_be_a_mapping(data, line, col):
    assert_err(data, line, col, "a problem file is a mapping of keys")


# --- anchors, aliases, tags

def test_anchor_rejected_at_the_anchor():
    assert_err("x: 1\ny: &a 2\n", 2, 4, "anchors and aliases are not allowed")
    assert_err("&k x: 1\n", 1, 1, "anchors and aliases are not allowed")
    assert_err("x: &a [1]\n", 1, 4, "anchors and aliases are not allowed")


def test_alias_rejected_at_the_alias():
    assert_err("x: 1\ny: [1, *a]\n", 2, 8, "anchors and aliases are not allowed")


def test_billion_laughs_fails_fast():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    start = time.perf_counter()
    assert_err("\n".join(lines) + "\n", 1, 5, "anchors and aliases are not allowed")
    assert time.perf_counter() - start < 1.0


def test_recursive_alias_fails_fast():
    start = time.perf_counter()
    assert_err("a: &a [*a, {b: *a}]\n", 1, 4, "anchors and aliases are not allowed")
    assert_err("a: [*a]\n", 1, 5, "anchors and aliases are not allowed")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("data, line, col", [
    ("a: !!python/object/apply:os.system ['echo hi']\n", 1, 4),
    ("a: 1\nb: !foo x\n", 2, 4),
    ("a: !!str 1\n", 1, 4),
    ("a: !!int '1'\n", 1, 4),
    ("a: ! x\n", 1, 4),
    ("a: !!seq [1]\n", 1, 4),
    ("!!map {a: 1}\n", 1, 1),
    ("!!python/name:os.system a: 1\n", 1, 1),
])
def test_tags_rejected_at_their_position(data, line, col):
    assert_err(data, line, col, "tags are not allowed")


def test_python_tag_message_names_the_tag():
    assert "!!python/object/apply:os.system" in err("a: !!python/object/apply:os.system [x]").message


# --- keys

def test_duplicate_key_at_the_second():
    assert_err("x: 1\ny: 2\nx: 3\n", 3, 1, "duplicate key 'x' (first at line 1)")
    assert_err("a: {b: 1, c: 2, b: 3}\n", 1, 17, "duplicate key 'b' (first at line 1)")


def test_keys_compare_as_text():
    assert_err('1: a\n"1": b\n', 2, 1, "duplicate key '1' (first at line 1)")
    node = load("true: a\n1: b\nyes: c\non: d\n'true ': e\n")
    assert [k.text for k, _ in node.items] == ["true", "1", "yes", "on", "true "]


def test_same_key_in_different_mappings_is_fine():
    node = load("a: {x: 1}\nb: {x: 2}\n")
    assert as_text(get(get(node, "b"), "x")) == "2"


@pytest.mark.parametrize("data, line, col", [("? [a]\n: b\n", 1, 3), ("a: 1\n[x]: b\n", 2, 1),
                                             ("a: {{b: 1}: 2}\n", 1, 5), ("? {k: v}\n: b\n", 1, 3)])
def test_complex_keys_rejected(data, line, col):
    assert_err(data, line, col, "mapping key must be a name")


# --- depth

def test_depth_64_is_allowed_65_is_not():
    ok = "a: " + "[" * 63 + "]" * 63 + "\n"  # the root mapping is level 1
    node = get(load(ok), "a")
    for _ in range(62):
        node = node.items[0]
    assert node == Seq((), 1, 3 + 63)
    assert_err("a: " + "[" * 64 + "]" * 64 + "\n", 1, 67, f"deeper than {ys.MAX_DEPTH} levels")


def test_depth_block_style():
    lines = [" " * i + f"k{i}:" for i in range(100)]
    assert_err("\n".join(lines) + " 1\n", 65, 65, "deeper than 64 levels")


@pytest.mark.parametrize("data, line, col", [("a: " + "[" * 100_000, 1, 67), ("a: " + "{a: " * 100_000, 1, 256),
                                             ("a:\n" + "- " * 100_000 + "x\n", 2, 127)])
def test_very_deep_input_fails_fast_without_recursion(data, line, col):
    start = time.perf_counter()
    assert_deep_err(data, line, col, "deeper than 64 levels")
    assert time.perf_counter() - start < 2.0


def test_deep_top_level_list_fails_at_once():
    assert_deep_err("[" * 100_000, 1, 1, "a problem file is a mapping of keys")


def assert_deep_err(data, line, col, part):
    """Our located error, or (PyYAML ≥ 6.0.4's C parser stops first) PyYAML's own, still located."""
    e = err(data)
    if "maximum nesting depth" in e.message:
        assert e.line >= 1 and e.col >= 1, e.message
        return
    assert (e.line, e.col) == (line, col), e.message
    assert part in e.message, e.message


# --- PyYAML's own errors

@pytest.mark.parametrize("data, line, col, part", [
    ("a:\n\tb: 1\n", 2, 1, "tabs cannot indent YAML; use spaces"),
    ("a: 'x", 1, 6, "found unexpected end of stream"),
    ("a: b: c\n", 1, 5, "mapping values are not allowed"),
    ("a: 1\n  b: 2\n", 2, 4, "mapping values are not allowed"),
    ("a:\n  b: 1\n c: 2\n", 3, 2, ""),
    ("...\n", 1, 1, ""),
])
def test_pyyaml_errors_become_located_yaml_errors(data, line, col, part):
    assert_err(data, line, col, part)


def test_unclosed_flow_sequence_is_a_yaml_error():
    e = err("a: [1, 2")
    assert e.line >= 1 and e.col >= 1 and e.message


@pytest.mark.parametrize("exc", [RecursionError, MemoryError, ValueError])
def test_unexpected_exceptions_become_yaml_errors(monkeypatch, exc):
    def boom(*args, **kwargs):
        raise exc("simulated")
        yield  # pragma: no cover

    monkeypatch.setattr(ys.yaml, "parse", boom)
    assert_err("a: 1\n", 1, 1)


def test_bare_yaml_error_without_mark(monkeypatch):
    def boom(*args, **kwargs):
        raise yaml.YAMLError("odd")
        yield  # pragma: no cover

    monkeypatch.setattr(ys.yaml, "parse", boom)
    assert_err("a: 1\n", 1, 1, "odd")


# --- scalars keep their text; positions

def test_scalars_keep_raw_text_and_are_plain():
    src = "a: on\nb: no\nc: y\nd: 1e-6\ne: 010\nf: 1:30\ng: ~\nh: null\ni: 0x1F\nj: 1_000\nk: .inf\n"
    node = load(src)
    assert [(k.text, v.text, v.plain) for k, v in node.items] == [
        ("a", "on", True), ("b", "no", True), ("c", "y", True), ("d", "1e-6", True), ("e", "010", True),
        ("f", "1:30", True), ("g", "~", True), ("h", "null", True), ("i", "0x1F", True),
        ("j", "1_000", True), ("k", ".inf", True)]


def test_quoted_block_and_empty_scalars():
    node = load("q: \"true\"\ns: 'x'\nl: |\n  one\n  two\nf: >\n  one\n  two\ne:\nz: ''\n")
    assert get(node, "q") == Scalar("true", False, 1, 4)
    assert get(node, "s") == Scalar("x", False, 2, 4)
    assert get(node, "l") == Scalar("one\ntwo\n", False, 3, 4)
    assert get(node, "f") == Scalar("one two\n", False, 6, 4)
    assert get(node, "e") == Scalar("", True, 9, 3)
    assert get(node, "z") == Scalar("", False, 10, 4)


def test_positions_of_every_node():
    src = "# head\ninputs:\n  x: {}\n  y:\n    shape: [n, 2]\nclaims:\n  - of: l\n    is: 48*x**2\n"
    root = load(src)
    assert (root.line, root.col) == (2, 1)
    inputs = get(root, "inputs")
    assert isinstance(inputs, Map) and (inputs.line, inputs.col) == (3, 3)
    assert get(inputs, "x") == Map((), 3, 6)
    shape = get(get(inputs, "y"), "shape")
    assert shape == Seq((Scalar("n", True, 5, 13), Scalar("2", True, 5, 16)), 5, 12)
    claims = get(root, "claims")
    assert (claims.line, claims.col) == (7, 3)
    claim = claims.items[0]
    assert (claim.line, claim.col) == (7, 5)
    key, value = claim.items[1]
    assert key == Scalar("is", True, 8, 5) and value == Scalar("48*x**2", True, 8, 9)


def test_positions_count_characters_and_crlf():
    root = load("é€: [1, 2]\r\nb: x\r\n".encode())
    assert get(root, "é€") == Seq((Scalar("1", True, 1, 6), Scalar("2", True, 1, 9)), 1, 5)
    assert get(root, "b") == Scalar("x", True, 2, 4)


def test_map_keeps_file_order():
    root = load("z: 1\na: 2\nm: 3\n")
    assert [k.text for k, _ in root.items] == ["z", "a", "m"]


# --- typed readers

S = lambda text, plain=True: Scalar(text, plain, 3, 7)  # noqa: E731


def assert_reader_err(fn, text, *parts):
    with pytest.raises(YamlError) as info:
        fn(S(text), "check.samples")
    e = info.value
    assert (e.line, e.col) == (3, 7)
    assert "check.samples" in e.message
    for part in parts:
        assert part in e.message, e.message


@pytest.mark.parametrize("text, value", [("8", 8), ("-3", -3), ("+4", 4), ("0", 0), ("-0", 0), ("123456", 123456)])
def test_as_int_accepts(text, value):
    assert as_int(S(text), "n") == value
    assert as_int(S(text, plain=False), "n") == value


@pytest.mark.parametrize("text, part", [
    ("010", "leading zeros are ambiguous"), ("0x1F", "hexadecimal"), ("0o17", "octal"), ("0b101", "binary"),
    ("1_000", "underscores"), ("1:30", "base-60"), ("8.0", "write a whole number"), ("1e3", "write a whole number"),
    ("true", "boolean"), ("", "got nothing"), ("eight", "'eight'"), (" 8", "expected an integer"),
    ("1" * 2000, "more than 1000"), ("٣", "expected an integer"),
])
def test_as_int_rejects(text, part):
    assert_reader_err(as_int, text, part)


@pytest.mark.parametrize("text, value", [
    ("0.1", Fraction(1, 10)), ("1e-6", Fraction(1, 10**6)), ("-2.5E3", Fraction(-2500)), (".5", Fraction(1, 2)),
    ("3", Fraction(3)), ("+4", Fraction(4)), ("0", Fraction(0)), ("0.5", Fraction(1, 2)), ("1.", Fraction(1)),
    ("1E+2", Fraction(100)), ("-0.000001", Fraction(-1, 10**6)),
])
def test_as_number_is_exact(text, value):
    assert as_number(S(text), "x") == value
    assert as_number(S(text, plain=False), "x") == value
    assert isinstance(as_number(S(text), "x"), Fraction)


@pytest.mark.parametrize("text, part", [
    ("nan", "not a finite number"), ("inf", "not a finite number"), (".inf", "not a finite number"),
    ("-.inf", "not a finite number"), ("1:30", "base-60"), ("0x10", "hexadecimal"), ("010", "leading zeros"),
    ("00.5", "leading zeros"), ("true", "boolean"), ("false", "boolean"), ("1e999999999", "out of range"),
    ("1/2", "expected a number"), ("1 000", "expected a number"), ("", "got nothing"), ("1_0.5", "underscores"),
    ("e5", "expected a number"), (".", "expected a number"),
])
def test_as_number_rejects(text, part):
    assert_reader_err(as_number, text, part)


def test_readers_on_loaded_nodes_are_located():
    root = load("check:\n  samples: 010\n  rtol: \"1e-6\"\n  flag: yes\n")
    check = get(root, "check")
    with pytest.raises(YamlError) as info:
        as_int(get(check, "samples"), "check.samples")
    assert (info.value.line, info.value.col) == (2, 12)
    assert "leading zeros are ambiguous" in info.value.message
    assert as_number(get(check, "rtol"), "check.rtol") == Fraction(1, 10**6)
    with pytest.raises(YamlError) as info:
        as_bool(get(check, "flag"), "check.flag")
    assert (info.value.line, info.value.col) == (4, 9)


@pytest.mark.parametrize("text, value", [("true", True), ("True", True), ("TRUE", True), ("false", False),
                                         ("False", False)])
def test_as_bool_accepts(text, value):
    assert as_bool(S(text), "diagonal") is value


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "y", "n", "Yes", "OFF", "N"])
def test_as_bool_rejects_yaml11_words(text):
    assert_reader_err(as_bool, text, "write true or false", "ambiguous")


@pytest.mark.parametrize("text", ["1", "0", "maybe", ""])
def test_as_bool_rejects_other_text(text):
    assert_reader_err(as_bool, text, "write true or false")


def test_as_text_is_raw():
    assert as_text(Scalar("010", True, 1, 1)) == "010"
    assert as_text(Scalar(" a\n", False, 1, 1)) == " a\n"


def test_readers_reject_collections_at_their_position():
    seq, mp = Seq((), 4, 2), Map((), 5, 3)
    for fn in (as_int, as_number, as_bool):
        with pytest.raises(YamlError) as info:
            fn(seq, "check.samples")
        assert (info.value.line, info.value.col) == (4, 2) and "got a list" in info.value.message
    with pytest.raises(YamlError) as info:
        as_text(mp)
    assert (info.value.line, info.value.col) == (5, 3) and "got a mapping" in info.value.message


# --- isolation and robustness

def test_module_imports_neither_numpy_nor_sympy():
    path = Path(ys.__file__)
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('yamlsafe', {str(path)!r})\n"
            "m = sys.modules['yamlsafe'] = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(m)\n"
            "assert 'numpy' not in sys.modules and 'sympy' not in sys.modules, 'heavy import'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


YAMLISH = st.text(alphabet=list("-:[]{}&*!|>'\"#?%@`,.~ \n\t\r\\ab01éx\x00\ufeff"), max_size=200)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), YAMLISH,
                 YAMLISH.map(lambda t: "a: " + t)))
def test_load_never_raises_anything_but_yaml_error(data):
    try:
        node = load(data)
    except YamlError as e:
        assert isinstance(e.message, str) and e.line >= 1 and e.col >= 1
    else:
        assert isinstance(node, Map)
