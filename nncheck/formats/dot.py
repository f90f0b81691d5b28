"""Pictures (nncheck/formats/computation_graph.py) in Graphviz's DOT language; `dot_string`, the one
way text is written into DOT."""

from __future__ import annotations

from nncheck.text import one_line

COLOURS = {"value": "#e8eef8", "node": "#fdf6e3", "loss": "#fde2e1", "unit": "#eef6ee"}


def dot_string(text: str) -> str:
    """A quoted DOT string: backslashes and quotes escaped, on one line."""
    return '"' + one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(lines: list[str]) -> str:
    """Lines joined by DOT's centred line break, each escaped on its own."""
    return "\\n".join(dot_string(line)[1:-1] for line in lines)


def picture_dot(picture) -> str:
    """A left-to-right digraph: boxes (or circles for neurons), labelled arrows; in a neuron
    diagram each layer is one column."""
    unit = picture.kind == "neurons"
    out = [f"digraph {'neurons' if unit else 'computation'} {{",
           f"  label={dot_string(picture.title)}; labelloc=t; fontname=\"Helvetica\";",
           "  rankdir=LR; nodesep=0.25; ranksep=" + ("2.2" if unit else "0.6") + ";",
           f"  node [shape={'circle' if unit else 'box'}, style=\"rounded,filled\", fontname=\"Helvetica\", "
           "fontsize=11];",
           "  edge [fontname=\"Helvetica\", fontsize=10" + (", labelfloat=false, decorate=true" if unit else "") + "];"]
    for box in picture.boxes:
        out.append(f'  {box.key} [label="{_label([box.name] + box.lines)}", fillcolor="{COLOURS[box.kind]}"'
                   + (", penwidth=2" if box.kind == "loss" else "") + "];")
    for keys in picture.layers:  # one column per layer, its units in order from the top
        order = "".join(f" {a} -> {b} [style=invis];" for a, b in zip(keys, keys[1:]))
        out.append("  { rank=same; " + " ".join(f"{key};" for key in keys) + order + " }")
    for arrow in picture.arrows:
        out.append(f"  {arrow.source} -> {arrow.target} [label={dot_string(arrow.label)}];")
    out.append("}")
    return "\n".join(out) + "\n"
