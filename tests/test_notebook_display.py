"""Jupyter's display of a Verification and a Solution: the terminal's table with its
diagnoses, as escaped HTML and as Markdown; hidden checks as `verify` shows them to students;
and, in Chromium, a table whose columns line up as a person sees it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import lxml.html
from markdown_it import MarkdownIt

import nncheck
from consumer_tools import chromium, headless_chromium, png_summary

ROOT = Path(__file__).resolve().parent.parent
RELU4 = ROOT / "problems" / "relu-4-samples.yaml"
WRONG = {"dL/db2": 2.732, "dL/dW2": [0.1168, 0, 0.1536], "dL/db1": [1, 2]}
HOSTILE = '<script>alert("t")</script><img src=x onerror=alert(1)> &amp; correct'


def shown_text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment: tags gone, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_the_html_is_the_terminal_table_with_its_diagnoses():
    verification = nncheck.load(RELU4).verify(WRONG)
    page = verification._repr_html_()
    assert shown_text(page) == str(verification).rstrip("\n")
    assert "sign: dL/db2 has the right magnitude but" in shown_text(page)
    assert "dL/db1 has shape (3,); your answer has" in shown_text(page)
    assert shown_text(page).endswith("Score: 2 / 8")
    verdicts = dict(re.findall(r'<span style="color:(#[0-9a-f]+)">(\w+) *</span>', page)[::-1])
    assert verdicts == {"#cf222e": "wrong", "#1a7f37": "correct", "#9a6700": "missing"}


def test_only_the_verdict_cells_are_coloured_not_words_in_a_message(write):
    problem = write("p.yaml", RELU4.read_text(encoding="utf-8").replace(
        "title: Two-layer ReLU regression on four samples", "title: correct or wrong, missing"))
    page = nncheck.load(problem).verify(WRONG)._repr_html_()
    assert '<span style="font-weight:bold">&lt;answers&gt;: correct or wrong, missing</span>' in page
    assert len(re.findall(r'<span style="color:[^"]+">(?:correct|wrong|missing)', page)) == 4


def test_the_markdown_is_one_code_block_of_the_same_table():
    verification = nncheck.load(RELU4).verify(WRONG)
    (block,) = MarkdownIt().parse(verification._repr_markdown_())
    assert block.type == "fence" and block.info == "text"
    assert block.content == str(verification)


def test_a_solution_shows_runs_tables_in_html_and_markdown():
    solution = nncheck.load(RELU4).solve()
    text = str(solution)
    assert shown_text(solution._repr_html_()) == text.rstrip("\n")
    assert "Loss L = 2.38554" in text and "Gradients" in text
    (block,) = MarkdownIt().parse(solution._repr_markdown_())
    assert block.content == text


def test_hidden_checks_are_left_out_of_the_students_display_and_shown_to_the_grader(write):
    secret = write("secret.yaml", "problem: relu-4-samples.yaml\nask:\n  - {id: dL/dz, points: 2, visibility: hidden}\n")
    problem = nncheck.load(RELU4, secret=secret)
    answers = {"dL/db2": -2.732, "dL/dz": [[0, 0, 0]] * 4}
    student = shown_text(problem.verify(answers)._repr_html_())
    assert "dL/dz" not in student
    assert "1 hidden check (2 points) is graded later" in student and student.endswith("Score: 1 / 8")
    grader = shown_text(problem.verify(answers, show_hidden=True)._repr_html_())
    assert "dL/dz" in grader and grader.endswith("Score: 1 / 10")   # the grader sees expected values too
    assert "dL/dz" not in problem.verify(answers)._repr_markdown_()
    solved = problem.solve()._repr_html_()
    assert "(hidden: an asked item graded later)" in shown_text(solved)
    assert "(hidden: an asked item graded later)" not in problem.solve(show_hidden=True)._repr_html_()


def hostile_problem(write) -> str:
    return write("hostile.yaml", RELU4.read_text(encoding="utf-8").replace(
        "title: Two-layer ReLU regression on four samples", f"title: {json.dumps(HOSTILE)}"))


def test_hostile_titles_ids_and_answers_are_text_and_never_markup(write):
    problem = nncheck.load(hostile_problem(write))
    answers = {"dL/db2": "W2 </pre><b>x</b>", HOSTILE: 1, **{key: WRONG[key] for key in ("dL/dW2", "dL/db1")}}
    for fragment in (problem.verify(answers)._repr_html_(), problem.solve()._repr_html_()):
        tree = lxml.html.fragment_fromstring(fragment)
        assert tree.tag == "pre" and {element.tag for element in tree.iter()} <= {"pre", "span"}
        assert HOSTILE in tree.text_content()
    text = lxml.html.fragment_fromstring(problem.verify(answers)._repr_html_()).text_content()
    assert "W2 </pre><b>x</b>" in text and "is not asked by this problem; ignored" in text


LINE_WIDTHS = """<script>
function lineWidths(pre) {
  var walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT), range = document.createRange();
  var lines = [], text = "", node;
  range.setStart(pre, 0);
  while ((node = walker.nextNode())) {
    for (var i = 0; i < node.data.length; i++) {
      if (node.data[i] === "\\n") {
        range.setEnd(node, i); lines.push([text, range.getBoundingClientRect().width]);
        range.setStart(node, i + 1); text = "";
      } else { text += node.data[i]; }
    }
  }
  range.setEnd(pre, pre.childNodes.length); lines.push([text, range.getBoundingClientRect().width]);
  return lines;
}
var found = Array.prototype.map.call(document.querySelectorAll("pre.nncheck"), lineWidths);
var out = document.createElement("output"); out.id = "widths"; out.textContent = JSON.stringify(found);
document.body.appendChild(out);
</script>"""


def boxed_tables(lines: list) -> list[list]:
    """The runs of lines that draw a boxed table, each a list of (text, width on screen)."""
    blocks, current = [], []
    for text, width in lines + [("", 0)]:
        if text[:1] and text[0] in "┏┃┡│├└":
            current.append((text, width))
        elif current:
            blocks.append(current)
            current = []
    return blocks


def test_in_chromium_the_tables_line_up_and_nothing_from_input_runs(write, tmp_path):
    browser = chromium()
    problem = nncheck.load(hostile_problem(write))
    body = problem.verify(WRONG)._repr_html_() + problem.solve()._repr_html_()
    page = tmp_path / "cell-outputs.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{body}{LINE_WIDTHS}</body>", encoding="utf-8")
    dom = headless_chromium(browser, tmp_path, "--dump-dom", page.as_uri()).stdout
    tree = lxml.html.fromstring(dom)
    assert not tree.xpath("//img") and len(tree.xpath("//script")) == 1
    tables = json.loads(tree.get_element_by_id("widths").text_content())
    assert len(tables) == 2
    blocks = [block for lines in tables for block in boxed_tables(lines)]
    assert len(blocks) == 5     # verify's table; run's values, deltas, gradients (and the loss's)
    for block in blocks:
        widths = [width for _, width in block]
        assert len(block) > 5 and len({len(text) for text, _ in block}) == 1
        assert max(widths) - min(widths) < 1.0, block   # every border in one column on screen
    assert all(HOSTILE in "".join(text for text, _ in lines) for lines in tables)
    shot = tmp_path / "cell-outputs.png"
    headless_chromium(browser, tmp_path, "--window-size=1100,900", f"--screenshot={shot}", page.as_uri())
    width, height, distinct = png_summary(shot)
    assert (width, height) == (1100, 900) and distinct > 4   # text in the verdicts' colours
