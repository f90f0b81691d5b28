"""Pictures (nncheck/formats/computation_graph.py) as Mermaid flowcharts, which GitHub and GitLab
draw inside Markdown; `mermaid_text`, the one way text is written into a Mermaid label."""

from __future__ import annotations

import re

from nncheck.text import one_line

SAFE = re.compile(r"[A-Za-z0-9 .,:+\-*/=()_']")
# Class names of our own: Mermaid already styles every shape with the CSS class `node`.
STYLES = {"value": ("givenValue", "fill:#e8eef8,stroke:#4a6fa5"), "node": ("graphNode", "fill:#fdf6e3,stroke:#b58900"),
          "loss": ("lossNode", "fill:#fde2e1,stroke:#c0392b,stroke-width:2px"),
          "unit": ("neuron", "fill:#eef6ee,stroke:#3c763d")}
WEIGHT_STYLE = ("weight", "fill:#fffbe6,stroke:#d9c27a")


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: every character that Mermaid or the HTML it
    produces could read as syntax (quotes, brackets, <, #, ...) as a #code; entity."""
    return "".join(ch if SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in one_line(text))


def picture_mermaid(picture) -> str:
    """A `flowchart LR` with one node per box, one edge per arrow, a class per kind. In a
    neuron diagram each weight is a small node on its connection, which Mermaid lays out
    apart from every other node (where it puts edge labels differs between versions)."""
    weights = picture.kind == "neurons"
    # Mermaid sizes a circle by its text's width alone; this padding keeps three lines inside it.
    out = (['%%{init: {"flowchart": {"padding": 48}}}%%'] if weights else []) + [
        "flowchart LR", f"    %% {mermaid_text(picture.title)}"]
    for box in picture.boxes:
        label = "<br>".join([f"<b>{mermaid_text(box.name)}</b>"] + [mermaid_text(line) for line in box.lines])
        left, right = ("((", "))") if box.kind == "unit" else ("[", "]")
        out.append(f'    {box.key}{left}"{label}"{right}')
    for number, arrow in enumerate(picture.arrows):
        if weights:  # a weight is a small node of its own on its connection, so no two weights collide
            out.append(f'    {arrow.source} --- w{number}(["{mermaid_text(arrow.label)}"]) --> {arrow.target}')
        else:
            out.append(f'    {arrow.source} -->|"{mermaid_text(arrow.label)}"| {arrow.target}')
    for kind, (name, style) in STYLES.items():
        keys = [box.key for box in picture.boxes if box.kind == kind]
        if keys:
            out += [f"    classDef {name} {style}", f"    class {','.join(keys)} {name}"]
    if weights and picture.arrows:
        out += [f"    classDef {WEIGHT_STYLE[0]} {WEIGHT_STYLE[1]}",
                f"    class {','.join(f'w{number}' for number in range(len(picture.arrows)))} {WEIGHT_STYLE[0]}"]
    return "\n".join(out) + "\n"
