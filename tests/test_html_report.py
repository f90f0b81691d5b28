"""grade --html: the class report as one self-contained page, checked as text and, where
Chromium is installed, as a person sees it (rendered, scripts run, screenshot taken)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli_runner import invoke
from class_factory import write_class
from consumer_tools import headless_chromium, png_summary

ROOT = Path(__file__).resolve().parent.parent
RELU4 = str(ROOT / "problems" / "relu-4-samples.yaml")
HOSTILE = '<script>alert("x")</script>&amp;'


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    """A class of 20 with a broken file, a hostile student id and a hostile file name."""
    folder = tmp_path_factory.mktemp("class")
    write_class(str(folder), "relu-4-samples", 20, seed=5, broken_every=10)
    (folder / "<b>odd&.yaml").write_text(f"problem: {json.dumps(RELU4)}\nstudent: {json.dumps(HOSTILE)}\n"
                                           "answers:\n  dL/db2: 2.732\n")
    page = folder.parent / "report.html"
    result = invoke("grade", folder, "--jobs", "1", "--html", page)
    assert result.exit_code == 2 and page.exists(), result.output  # 2: the broken files
    return page, page.read_text(encoding="utf-8")


def test_the_page_has_histogram_item_bars_and_every_student(report):
    _, page = report
    assert page.startswith("<!DOCTYPE html>") and page.count("<rect class=bin") == 10
    for item in ("dL/db2", "dL/dW2", "dL/db1", "dL/dW1"):
        assert f"<th>{item}</th>" in page
    assert page.count("<tr><td>") == 21 and "Graded 19 of 21 answer files · 2 broken" in page


def test_strings_from_input_are_escaped_and_nothing_is_loaded_from_elsewhere(report):
    _, page = report
    assert HOSTILE not in page and "<b>odd" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in page and "&lt;b&gt;odd&amp;.yaml" in page
    assert page.count("<script>") == 1
    assert not re.search(r"\b(src|href)\s*=|@import|url\(|https?://(?!www\.w3\.org/2000/svg)", page)


def test_hidden_items_keep_their_diagnoses_out_of_the_page(tmp_path):
    problem = tmp_path / "problem.yaml"
    text = Path(RELU4).read_text()
    problem.write_text(re.sub(r"(?m)^(  - id: .*\n)", r"\1    visibility: hidden\n", text))
    (tmp_path / "a.yaml").write_text(f"problem: {json.dumps(str(problem))}\nanswers:\n  dL/db2: 2.732\n")  # the sign mistake
    shown, hidden = tmp_path / "grader.html", tmp_path / "class.html"
    invoke("grade", tmp_path / "a.yaml", "--jobs", "1", "--html", hidden)
    invoke("grade", tmp_path / "a.yaml", "--jobs", "1", "--html", shown, "--show-hidden")
    assert "100 % sign" in shown.read_text() and "sign" not in hidden.read_text().split("<h2>Students")[0]


def test_merge_writes_the_same_page_as_one_run(tmp_path):
    write_class(str(tmp_path / "c"), "relu-4-samples", 12, seed=2, broken_every=0)
    whole, merged = tmp_path / "whole.html", tmp_path / "merged.html"
    invoke("grade", tmp_path / "c", "--jobs", "1", "--html", whole)
    for k in (1, 2):
        result = invoke("grade", tmp_path / "c", "--jobs", "1", "--shard", f"{k}/2", "--format", "json")
        (tmp_path / f"s{k}.json").write_text(result.stdout)
    result = invoke("merge", tmp_path / "s1.json", tmp_path / "s2.json", "--html", merged)
    assert result.exit_code == 0, result.output
    assert merged.read_text() == whole.read_text()


# --- in a browser ---------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CLICK_SCORE_TWICE = """<script>
var score = Array.prototype.find.call(document.querySelectorAll('#students th'), function (h) {
  return h.textContent === 'score'; });
score.click(); score.click();
</script>"""


def chromium(tmp_path: Path, *args) -> subprocess.CompletedProcess:
    return headless_chromium(CHROMIUM, tmp_path, *args)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_in_chromium_the_page_renders_and_the_table_sorts(report, tmp_path):
    page, text = report
    clicked = tmp_path / "clicked.html"
    clicked.write_text(text.replace("</body>", CLICK_SCORE_TWICE + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", clicked.as_uri()).stdout
    rows = re.findall(r"<tr><td>(.*?)</td>.*?data-sort=\"([^\"]+)\"", dom.split('id="students"')[1])
    scores = [float(score) for _, score in rows]
    assert len(scores) == 21 and scores == sorted(scores, reverse=True) and scores[0] == 8.0
    assert 'aria-sort="descending"' in dom

    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri())
    width, height, distinct = png_summary(shot)
    assert (width, height) == (1000, 1400)
    assert distinct > 8  # text, bars in four colours, the histogram: not a blank page
