"""JUnit XML, for any CI that shows test reports: a <testsuite> per answer file, a <testcase>
per asked item. wrong and missing are <failure>, invalid and an unusable file are <error>.

Valid against the Jenkins xunit schema (junit-10.xsd) that most importers follow: so an item's
place and points are lines of its <system-out>, not attributes or properties of the test case.
CI test reports are student-visible, so non-visible items keep only verdict and points.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from nncheck.formats.feedback import broken_feedback, feedback, item_label, points_text
from nncheck.text import printable
from nncheck.check.results import CORRECT, INVALID, ItemResult, Submission, Verification

# Everything outside XML 1.0's Char production (printable() already drops most of it).
NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write_submission(submission: Submission, stream, environ) -> None:
    root = junit_tree(submission)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode").encode("ascii", "xmlcharrefreplace").decode("ascii")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")


def junit_tree(submission: Submission) -> ET.Element:
    suites = [_verification_suite(submission, verification) for verification in submission.verifications]
    suites += [_broken_suite(broken.path, broken.error) for broken in submission.broken]
    root = _element("testsuites", name="nncheck", time=_seconds(submission.seconds), **_counts(suites))
    for suite in suites:  # nncheck times the whole run: each file gets an equal share of it
        suite.set("time", _seconds(submission.seconds / len(suites)))
        cases = suite.findall("testcase")
        for case in cases:
            case.set("time", _seconds(submission.seconds / len(suites) / len(cases)))
    root.extend(suites)
    return root


def _verification_suite(submission: Submission, verification: Verification) -> ET.Element:
    classname = item_label(submission, verification)
    suite = _element("testsuite", name=verification.answers_path)
    variant = verification.problem.variant
    _properties(suite, score=_number(verification.score), max_score=_number(verification.max_score),
                problem=verification.problem.path, student=verification.student,
                seed=str(variant.seed) if variant is not None else None)
    for item in verification.items:
        suite.append(_item_case(item, classname, verification.answers_path))
    suite.attrib.update(_counts([suite]))
    return suite


def _item_case(item: ItemResult, classname: str, answers_path: str) -> ET.Element:
    location = item.location
    case = _element("testcase", classname=classname, name=item.id)
    if item.verdict != CORRECT:
        text = feedback(item)
        summary = f"{item.verdict}, {points_text(item.points)}/{points_text(item.max_points)} points"
        message = f"{summary}: {text}" if text else summary
        case.append(_element("error" if item.verdict == INVALID else "failure", message=message,
                             type=item.verdict, text=f"{message}\nanswer at {location or answers_path}"))
    case.append(_element("system-out", text="\n".join([
        f"answer: {location or answers_path}", f"points: {_number(item.points)}",
        f"max_points: {_number(item.max_points)}", f"verdict: {item.verdict}", f"visibility: {item.visibility}"])))
    return case


def _broken_suite(path: str, error) -> ET.Element:
    suite = _element("testsuite", name=path)
    case = _element("testcase", classname=path, name="answer file")
    text = broken_feedback(error)
    case.append(_element("error", message=text.splitlines()[0], type="unusable file", text=text))
    suite.append(case)
    suite.attrib.update(_counts([suite]), skipped="0")
    return suite


def _properties(parent: ET.Element, **values) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value is not None:
            properties.append(_element("property", name=name, value=value))


def _counts(suites: list[ET.Element]) -> dict:
    """tests, failures and errors of some test suites, as attributes (a suite adds skipped="0")."""
    cases = [case for suite in suites for case in suite.iter("testcase")]
    return {"tests": str(len(cases)),
            "failures": str(sum(case.find("failure") is not None for case in cases)),
            "errors": str(sum(case.find("error") is not None for case in cases))}


def _element(tag: str, text: str | None = None, **attributes) -> ET.Element:
    """An element whose attributes and text are XML-safe; attributes that are None are left out."""
    element = ET.Element(tag, {key: _xml(value) for key, value in attributes.items() if value is not None})
    if text is not None:
        element.text = _xml(text)
    return element


def _seconds(seconds: float) -> str:
    """A time as the schema's SUREFIRE_TIME pattern allows: digits, a point, 3 decimals."""
    return f"{max(seconds, 0.0):.3f}"


def _number(value: float) -> str:
    """A property value: the number in full (repr of a float), never -0.0."""
    return repr(float(value) + 0.0)


def _xml(text) -> str:
    """Text that XML 1.0 can hold: printable, without characters outside XML's Char range
    (ElementTree then escapes & < > " and newlines in attributes)."""
    return NOT_XML.sub("", printable(str(text)))
