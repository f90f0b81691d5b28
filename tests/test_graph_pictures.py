"""`nncheck graph`: the computation graph and the neuron diagram, checked the way a reader
would: count the boxes and arrows, read their labels (Mermaid and DOT parsed here; SVG drawn
by Graphviz where it is installed and read as XML)."""

from __future__ import annotations

import glob
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.check.problems import load_problem

RELU4 = "problems/relu-4-samples.yaml"
LAYERS = "docs/examples/relu-4-samples-layers.yaml"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output and result.exit_code != 3, result.output
    return result


def mermaid_unescaped(text: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def read_mermaid(text: str) -> tuple[dict, list]:
    """{key: label lines} of the boxes and circles, and (source, label, target) of the edges."""
    boxes, edges = {}, []
    for line in text.splitlines():
        box = re.fullmatch(r'\s+(\w+)(?:\["|\(\(")(.*)(?:"\]|"\)\))', line)
        edge = (re.fullmatch(r'\s+(\w+) -->\|"(.*)"\| (\w+)', line)
                or re.fullmatch(r'\s+(\w+) --- \w+\(\["(.*)"\]\) --> (\w+)', line))  # a weight node
        if box:
            label = re.sub(r"</?b>", "", box.group(2))
            boxes[box.group(1)] = [mermaid_unescaped(part) for part in label.split("<br>")]
        elif edge:
            edges.append((edge.group(1), mermaid_unescaped(edge.group(2)), edge.group(3)))
    return boxes, edges


def dot_unescaped(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def read_dot(text: str) -> tuple[dict, list]:
    boxes, edges = {}, []
    for line in text.splitlines():
        box = re.fullmatch(r'\s+(\w+) \[label="((?:[^"\\]|\\.)*)".*', line)
        edge = re.fullmatch(r'\s+(\w+) -> (\w+) \[label="((?:[^"\\]|\\.)*)"\];', line)
        if box:
            boxes[box.group(1)] = dot_unescaped(box.group(2)).split("\n")
        elif edge:
            edges.append((edge.group(1), dot_unescaped(edge.group(3)), edge.group(2)))
    return boxes, edges


def named_edges(boxes: dict, edges: list) -> set:
    return {(boxes[source][0], label, boxes[target][0]) for source, label, target in edges}


RELU4_EDGES = {("x", "@ (left)", "z"), ("W1", "@ (right)", "z"), ("b1", "+", "z"), ("z", "relu", "h"),
               ("h", "@ (left)", "y"), ("W2", "@ (right)", "y"), ("b2", "+", "y"), ("y", "- (left)", "L"),
               ("t", "- (right)", "L")}


@pytest.mark.parametrize("output_format, reader", [("mermaid", read_mermaid), ("dot", read_dot)])
def test_the_graph_of_relu4_has_a_box_per_name_and_an_arrow_per_use(output_format, reader):
    result = invoke("graph", RELU4, "--format", output_format)
    assert result.exit_code == 0
    boxes, edges = reader(result.stdout)
    assert sorted(lines[0] for lines in boxes.values()) == sorted(["x", "t", "W1", "b1", "W2", "b2", "z", "h", "y",
                                                                   "L"])
    assert {lines[0]: lines[1] for lines in boxes.values()}["W1"] == "(2, 3)"
    assert named_edges(boxes, edges) == RELU4_EDGES and len(edges) == 9


@pytest.mark.parametrize("output_format, reader", [("mermaid", read_mermaid), ("dot", read_dot)])
def test_values_show_each_value_and_gradient_rounded(output_format, reader):
    boxes, _ = reader(invoke("graph", RELU4, "--format", output_format, "--values").stdout)
    by_name = {lines[0]: lines[1:] for lines in boxes.values()}
    assert by_name["L"] == ["()", "value = 2.39", "dL/dL = 1"]
    assert by_name["b2"] == ["()", "value = -0.7", "dL/db2 = -2.73"]
    assert by_name["W1"][1:] == ["value =", "[ -0.8 -0.7 0.6 ]", "[ -1 0.5 -1 ]", "dL/dW1 =",
                                 "[ 0.0122 0 0.061 ]", "[ -0.0268 0 -0.134 ]"]
    precise = reader(invoke("graph", RELU4, "--format", output_format, "--values", "--precision", "6").stdout)[0]
    assert ["()", "value = 2.38554", "dL/dL = 1"] in [lines[1:] for lines in precise.values()]


@pytest.mark.parametrize("path", sorted(glob.glob("problems/*.yaml")))
def test_every_bundled_problem_is_drawn_with_one_arrow_per_name_a_formula_uses(path):
    problem = load_problem(path)
    uses = {(name, node.name) for node in problem.nodes for name in node.formula.names}
    for output_format, reader in (("mermaid", read_mermaid), ("dot", read_dot)):
        result = invoke("graph", path, "--format", output_format, "--values")
        assert result.exit_code == 0, result.output
        boxes, edges = reader(result.stdout)
        assert len(boxes) == len(problem.leaves) + len(problem.nodes)
        assert {(boxes[s][0], boxes[t][0]) for s, _, t in edges} == uses and len(edges) == len(uses)


def test_an_edge_lists_every_operation_applied_to_the_name():
    result = invoke("graph", "problems/dag-backprop.yaml")
    boxes, edges = read_mermaid(result.stdout)
    labels = {(boxes[s][0], boxes[t][0]): label for s, label, t in edges}
    assert labels[("a_c", "o_c")] == "sigmoid" and labels[("a_e1", "a_e")] == "*"
    assert labels[("a_e", "yhat")] == "smoothmax"
    assert invoke("graph", "problems/relu5-regression.yaml", "--format", "dot").stdout.count('label="="') == 1


def test_titles_are_escaped_for_mermaid_and_dot(write):
    title = 'A "quoted" [bracket] <b>bold</b> #1 & `x` \\ end'
    path = write("p.yaml", "title: '" + title.replace("'", "''") + "'\nvalues: {x: [1.0, 2.0]}\ngraph: {L: sum(x)}\n")
    mermaid = invoke("graph", path).stdout
    comment = mermaid.splitlines()[1]
    assert comment.startswith("    %% ") and not re.search(r'["\[\]<>`\\{}]', comment)
    assert mermaid_unescaped(comment[7:]) == title
    dot = invoke("graph", path, "--format", "dot").stdout
    (quoted,) = re.findall(r'label="((?:[^"\\]|\\.)*)"; labelloc', dot)
    assert dot_unescaped(quoted) == title


def test_a_newline_in_a_title_stays_on_one_line(write):
    path = write("p.yaml", 'title: "one\\nflowchart TB\\n  evil --> box"\nvalues: {x: 1.0}\ngraph: {L: 2 * x}\n')
    mermaid = invoke("graph", path).stdout
    assert mermaid.splitlines()[0] == "flowchart LR" and "evil -->" not in mermaid
    assert mermaid.splitlines()[1].startswith("    %% one flowchart TB")
    dot = invoke("graph", path, "--format", "dot").stdout
    assert dot.count("\n") == len(dot.splitlines()) and "flowchart TB" in dot.splitlines()[1]


HIDDEN_RELU4 = """
ask:
  - {id: dL/dW1, visibility: hidden}
  - {id: y, visibility: hidden}
"""


def test_hidden_answers_are_not_drawn_unless_shown(write):
    with open(RELU4, encoding="utf-8") as handle:
        text = handle.read().split("\nask:")[0]
    path = write("hidden.yaml", text + HIDDEN_RELU4)
    boxes, _ = read_dot(invoke("graph", path, "--format", "dot", "--values").stdout)
    by_name = {lines[0]: lines[1:] for lines in boxes.values()}
    assert by_name["W1"][-1] == "dL/dW1 = (hidden)" and "value = (hidden)" in by_name["y"]
    assert "0.0122" not in str(by_name) and "-0.338" not in str(by_name)
    shown = invoke("graph", path, "--format", "dot", "--values", "--show-hidden").stdout
    assert "(hidden)" not in shown and "0.0122" in shown


@needs_dot
@pytest.mark.parametrize("path", sorted(glob.glob("problems/*.yaml")))
def test_svg_drawn_by_graphviz_has_every_box_and_arrow(path):
    problem = load_problem(path)
    result = invoke("graph", path, "--format", "svg", "--values")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout)
    groups = root.iter(f"{SVG}g")
    classes = [group.get("class") for group in groups]
    uses = {(name, node.name) for node in problem.nodes for name in node.formula.names}
    assert classes.count("node") == len(problem.leaves) + len(problem.nodes)
    assert classes.count("edge") == len(uses)


@needs_dot
def test_svg_of_relu4_reads_its_names_values_and_operations(tmp_path):
    picture = tmp_path / "relu4.svg"
    result = invoke("graph", RELU4, "--format", "svg", "--values", "-o", picture)
    assert result.stdout == f"wrote {picture}\n"
    root = ET.parse(picture).getroot()
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert texts[0] == "Two-layer ReLU regression on four samples"
    assert {"L", "value = 2.39", "dL/db2 = -2.73", "relu", "@ (left)", "+"} <= set(texts)
    titles = {element.text for element in root.iter(f"{SVG}title")}
    assert {"n0&#45;&gt;n6", "n0->n6"} & titles  # x -> z, whichever way Graphviz escapes it


def test_svg_without_graphviz_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = invoke("graph", RELU4, "--format", "svg")
    assert result.exit_code == 2 and result.stdout == ""
    assert "needs Graphviz's `dot` program" in result.stderr and "install the graphviz package" in result.stderr


@pytest.mark.parametrize("output_format, reader", [("mermaid", read_mermaid), ("dot", read_dot)])
def test_the_neuron_diagram_has_a_circle_per_unit_and_a_weighted_edge_per_weight(output_format, reader):
    result = invoke("graph", LAYERS, "--neurons", "--format", output_format)
    assert result.exit_code == 0
    boxes, edges = reader(result.stdout)
    units = {lines[0]: lines[1:] for lines in boxes.values()}
    assert sorted(units) == ["h1[0]", "h1[1]", "h1[2]", "x[0]", "x[1]", "y[0]"]
    assert units["h1[1]"] == ["relu", "b = -1"] and units["y[0]"] == ["linear", "b = -0.7"]
    weights = named_edges(boxes, edges)
    w1 = [[-0.8, -0.7, 0.6], [-1.0, 0.5, -1.0]]
    expected = {(f"x[{i}]", f"{w1[i][j]:g}", f"h1[{j}]") for i in range(2) for j in range(3)}
    expected |= {(f"h1[{j}]", f"{w:g}", "y[0]") for j, w in enumerate([0.1, -1.0, 0.5])}
    assert weights == expected and len(edges) == 9
    if output_format == "mermaid":
        assert result.stdout.count('(("') == 6


def test_neurons_follow_the_columns_convention(write):
    path = write("columns.yaml", """
values:
  x: [1.0, 2.0]
  W1: [[1, 2], [3, 4], [5, 6]]
  W2: [[7, 8, 9]]
layers: {convention: columns, input: x, activations: [tanh, sigmoid], biases: [null, null]}
""")
    boxes, edges = read_dot(invoke("graph", path, "--neurons", "--format", "dot").stdout)
    weights = named_edges(boxes, edges)
    assert ("x[1]", "4", "h1[1]") in weights and ("x[0]", "5", "h1[2]") in weights
    assert ("h1[2]", "9", "y[0]") in weights and len(weights) == 9
    assert {lines[0]: lines[1:] for lines in boxes.values()}["h1[0]"] == ["tanh"]


@needs_dot
def test_the_neuron_diagram_as_svg_keeps_the_units_in_layer_columns():
    root = ET.fromstring(invoke("graph", LAYERS, "--neurons", "--format", "svg").stdout)
    nodes = [group for group in root.iter(f"{SVG}g") if group.get("class") == "node"]
    assert len(nodes) == 6 and all(node.find(f"{SVG}ellipse") is not None for node in nodes)
    columns = {}
    for node in nodes:
        name = node.find(f"{SVG}text").text
        columns.setdefault(name.split("[")[0], []).append(float(node.find(f"{SVG}ellipse").get("cx")))
    assert [len(set(xs)) for xs in columns.values()] == [1, 1, 1]
    assert columns["x"][0] < columns["h1"][0] < columns["y"][0]
    edge_labels = [e.find(f"{SVG}text").text for e in root.iter(f"{SVG}g") if e.get("class") == "edge"]
    assert sorted(edge_labels) == sorted(["-0.8", "-0.7", "0.6", "-1", "0.5", "-1", "0.1", "-1", "0.5"])


def test_neurons_are_refused_for_a_graph_without_layers_and_for_wide_layers(write):
    result = invoke("graph", RELU4, "--neurons")
    assert result.exit_code == 2 and "drawn for networks written with layers:" in result.stderr
    wide = write("wide.yaml", "values:\n  x: {shape: [40], seed: 1}\n"
                 "layers: {convention: columns, input: x, activations: [relu], sizes: [40, 2]}\ngraph: {L: sum(y)}\n")
    result = invoke("graph", wide, "--neurons")
    assert result.exit_code == 2 and "a layer has 40 units" in result.stderr
    assert invoke("graph", wide).exit_code == 0


def test_weights_of_a_drawn_layer_match_the_problem():
    problem = load_problem(LAYERS)
    boxes, edges = read_mermaid(invoke("graph", LAYERS, "--neurons", "--precision", "6").stdout)
    w1 = problem.leaves["W1"].value
    for source, label, target in edges:
        if boxes[source][0].startswith("x"):
            i, j = int(boxes[source][0][2]), int(boxes[target][0][3])
            assert float(label) == pytest.approx(w1[i, j])
    assert np.shape(w1) == (2, 3)


def test_the_mermaid_example_in_the_docs_is_what_graph_writes():
    with open("docs/pictures-and-worked-solutions.md", encoding="utf-8") as handle:
        docs = handle.read()
    example = docs.split("```mermaid\n")[1].split("```")[0]
    assert example == invoke("graph", RELU4).stdout


@needs_dot
def test_svg_titles_are_well_formed_xml(write):
    title = 'Tags <svg onload="x"> & "quotes" \\ ]]> done'
    path = write("p.yaml", "title: '" + title + "'\nvalues: {x: [1.0, 2.0]}\ngraph: {L: sum(x)}\n")
    root = ET.fromstring(invoke("graph", path, "--format", "svg").stdout)
    assert next(root.iter(f"{SVG}text")).text == title
    assert not [element for element in root.iter() if element.tag.endswith("}svg") and element is not root]
