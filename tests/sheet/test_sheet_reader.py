"""The sheet reader and statement splitter (issue 16): what is math, what is a problem block,
which line each statement is on, and how a display splits into chains of members."""

from __future__ import annotations

from derivcheck.sheet.reader import Block, Lines, Math, read
from derivcheck.sheet.recognise import find
from derivcheck.sheet.statements import statements


def chains(text: str, latex: bool = False) -> list:
    """(line, [member, ...]) for every statement of a sheet."""
    lines = Lines(text)
    out = []
    for item in read(text, latex):
        if isinstance(item, Math):
            out += [(lines.line(s.offset), [m.text for m in s.members]) for s in statements(item.text, item.offset)]
    return out


def test_markdown_math_and_blocks_keep_their_lines():
    text = "intro $a = b$\n\n```derivcheck\ninputs: [x]\n```\n\n$$\nf = g\n$$\n```python\n$x = 1$\n```\n"
    items = read(text, latex=False)
    assert [type(i).__name__ for i in items] == ["Math", "Block", "Math"]
    block = items[1]
    assert isinstance(block, Block) and block.line == 3
    assert block.yaml.split("\n")[3] == "inputs: [x]"  # line 4 of the sheet is line 4 of the YAML
    assert chains(text) == [(1, ["a", "b"]), (8, ["f", "g"])]


def test_latex_comment_blocks_marker_lines_and_environments():
    text = ("\\begin{comment}derivcheck\ninputs: [x]\n\\end{comment}\n"
            "% a comment with $a = b$\n"
            "%!derivcheck inputs: [y]\n%!derivcheck nodes: {f: y**2}\n"
            "\\begin{align}\nf &= g \\\\\n  &= h \\label{eq:x}\n\\end{align}\n\\[ u = v \\]\n")
    items = read(text, latex=True)
    assert [type(i).__name__ for i in items] == ["Block", "Block", "Math", "Math"]
    assert items[1].line == 5 and items[1].yaml.split("\n")[5].strip() == "nodes: {f: y**2}"
    assert chains(text, latex=True) == [(8, ["f", "g", "h"]), (11, ["u", "v"])]


def test_separators_text_tags_and_equation_numbers():
    display = r"\frac{a}{b} = c, \quad d = e \quad \text{(by the rule, really)} \quad (5)"
    got = statements(display, 0)
    assert [[m.text for m in s.members] for s in got] == [[r"\frac{a}{b}", "c"], ["d", "e"]]
    assert got[-1].label == "5"
    tagged = statements(r"x = y \tag{7}", 0)
    assert [m.text for m in tagged[0].members] == ["x", "y"] and tagged[0].label == "7"
    assert statements(r"x = y \tag*{(3)}", 0)[0].label == "3"
    assert statements(r"x = y \label{eq:grad}", 0)[0].label == "eq:grad"


def test_commas_inside_groups_do_not_split():
    got = statements(r"T_{i,j,k} = \mathbb{1}_{i=j} x_k, \quad f(a, b) = c", 0)
    assert [[m.text for m in s.members] for s in got] == [["T_{i,j,k}", r"\mathbb{1}_{i=j} x_k"], ["f(a, b)", "c"]]


def test_aligned_rows_continue_the_chain_and_parentheticals_are_members():
    display = r"\begin{aligned} A &= B \\ &= C && \text{(why)} \\ D &= E \left( = F \right) \end{aligned} \quad (8)"
    got = statements(display, 0)
    assert [[m.text for m in s.members] for s in got] == [["A", "B", "C"], ["D", "E", "F"]]
    assert got[-1].label == "8"


def test_a_matrix_literal_keeps_its_rows_and_entries_inside_aligned_rows():
    display = (r"\begin{aligned} g &= \begin{pmatrix} 2x & 1 \\ 0 & y \end{pmatrix} \\ &= A, \quad "
               r"h = \begin{bmatrix} a, b \end{bmatrix} \end{aligned}")
    got = statements(display, 0)
    assert [[m.text for m in s.members] for s in got] == [
        ["g", r"\begin{pmatrix} 2x & 1 \\ 0 & y \end{pmatrix}", "A"], ["h", r"\begin{bmatrix} a, b \end{bmatrix}"]]


def test_approx_relation_and_type_annotation():
    got = statements(r"H \approx G = K", 0)[0]
    assert [(m.text, m.approx) for m in got.members] == [("H", False), ("G", True), ("K", False)]
    got = statements(r"\frac{\partial y}{\partial W} = T \in \mathbb{R}^{d_1 \times d_2}", 0)[0]
    assert [m.text for m in got.members][1] == "T"


def test_leading_enumeration_is_dropped():
    got = statements(r"4. \frac{\partial}{\partial A}(\text{tr}(BA)) = B^\top", 0)[0]
    assert got.members[0].text.startswith(r"\frac")


def test_the_derivative_forms_are_recognised():
    forms = {
        r"\frac{\partial f}{\partial v}": ("f", ("v",), None),
        r"\frac{d f}{d v}": ("f", ("v",), None),
        r"\frac{dy}{dx}": ("y", ("x",), None),
        r"\frac{\mathrm{d} y}{\mathrm{d} x}": ("y", ("x",), None),
        r"\frac{\partial^2 f}{\partial v^2}": ("f", ("v", "v"), None),
        r"\frac{\partial^{2} f}{\partial u \partial v}": ("f", ("u", "v"), None),
        r"\frac{\partial}{\partial v}\left( x^2 \right)": ("", ("v",), "x^2"),
        r"f'(x)": ("f", ("x",), None),
        r"f''(x)": ("f", ("x", "x"), None),
    }
    for text, (of, wrt, operand) in forms.items():
        (d,) = find(text)
        assert (d.of, d.wrt, d.operand) == (of, wrt, operand), text
        assert (d.start, d.end) == (0, len(text)), text


def test_plain_fractions_are_not_derivatives_and_entries_are():
    assert find(r"\frac{1}{2} w^\top w + \frac{a}{b}") == []
    assert find(r"\frac{d}{2}") == []
    (d,) = find(r"(\frac{\partial L}{\partial W})_{j,k}")
    assert d.entry == ("j", "k") and d.of == "L"
