"""Mermaid pictures as a reader sees them: rendered by mermaid-cli in Debian's Chromium (as
GitHub renders Mermaid in a browser), then the SVG read back for where each label landed."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from itertools import combinations

from click.testing import CliRunner

from consumer_tools import chromium, node_package
from nncheck.cli import cli

SVG = "{http://www.w3.org/2000/svg}"
LAYERS = "docs/examples/relu-4-samples-layers.yaml"
WIDER = """
title: Three layers, four units wide
values:
  x: [0.5, -1.25, 2.0]
  W1: [[0.8, -0.7, 0.6, -0.5], [-1.0, 0.5, -1.0, 0.25], [0.3, 0.2, -0.9, 1.5]]
  b1: [-0.2, -1.0, -0.7, 0.125]
  W2: [[0.1, -1.0], [0.5, 0.75], [-0.3, 0.4], [1.25, -2.5]]
  b2: [-0.7, 0.3]
  t: [0.5, -0.5]
layers: {convention: rows, input: x, activations: [tanh, sigmoid]}
graph:
  L: 0.5 * sum((y - t)**2)
loss: L
"""


def render(mermaid: str, tmp_path) -> ET.Element:
    """The SVG that mermaid-cli draws in headless Chromium."""
    mmdc = node_package("@mermaid-js/mermaid-cli") / "src" / "cli.js"
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": chromium(), "args": ["--no-sandbox", "--disable-gpu"]}))
    (tmp_path / "picture.mmd").write_text(mermaid)
    subprocess.run(["node", str(mmdc), "-p", str(config), "-i", "picture.mmd", "-o", "picture.svg", "-q"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=300)
    return ET.parse(tmp_path / "picture.svg").getroot()


def translation(element: ET.Element) -> tuple[float, float]:
    x, y = re.match(r"translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)", element.get("transform")).groups()
    return float(x), float(y)


def labels(svg: ET.Element) -> list[dict]:
    """Every text drawn: its box (x0, y0, x1, y1), its text, and the circle around it, if any."""
    found = []
    for group in svg.iter(f"{SVG}g"):
        kind = (group.get("class") or "").split()
        if "node" not in kind and "edgeLabel" not in kind:
            continue
        label = next((child for child in group if (child.get("class") or "") == "label"), None)
        if label is None or label.find(f"{SVG}foreignObject") is None:
            continue
        box = label.find(f"{SVG}foreignObject")
        width, height = float(box.get("width")), float(box.get("height"))
        if width == 0 or height == 0:
            continue
        cx, cy = translation(group) if group.get("transform") else (0.0, 0.0)
        lx, ly = translation(label)
        circle = group.find(f"{SVG}circle")
        found.append({"box": (cx + lx, cy + ly, cx + lx + width, cy + ly + height), "centre": (cx, cy),
                      "text": "".join(box.itertext()).strip(),
                      "radius": float(circle.get("r")) if circle is not None else None})
    return found


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_legible(svg: ET.Element, texts: int):
    drawn = labels(svg)
    assert len(drawn) == texts, [label["text"] for label in drawn]
    for a, b in combinations(drawn, 2):
        assert not overlap(a["box"], b["box"]), (a["text"], b["text"])
    for label in drawn:
        if label["radius"] is not None:  # every corner of the text inside the unit's circle
            x0, y0, x1, y1 = label["box"]
            cx, cy = label["centre"]
            corners = [(x, y) for x in (x0, x1) for y in (y0, y1)]
            assert max(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for x, y in corners) <= label["radius"], label["text"]
    return drawn


def graph(*args) -> str:
    result = CliRunner().invoke(cli, ["graph", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_neuron_diagram_labels_never_collide(tmp_path):
    drawn = assert_legible(render(graph(LAYERS, "--neurons"), tmp_path), texts=6 + 9)
    assert sorted(label["text"] for label in drawn if label["radius"] is None) == \
        sorted(["-0.8", "-0.7", "0.6", "-1", "0.5", "-1", "0.1", "-1", "0.5"])


def test_a_wider_neuron_diagram_stays_legible(tmp_path, write):
    path = write("wider.yaml", WIDER)
    assert_legible(render(graph(path, "--neurons", "--precision", "3"), tmp_path), texts=3 + 4 + 2 + 12 + 8)


def test_computation_graph_edges_name_the_operands_role(tmp_path):
    drawn = assert_legible(render(graph(LAYERS), tmp_path), texts=10 + 9)
    edge_texts = [label["text"] for label in drawn if label["radius"] is None]
    assert edge_texts.count("- (left)") == 1 and edge_texts.count("- (right)") == 1
    assert edge_texts.count("@ (left)") == 2 and edge_texts.count("@ (right)") == 2
