"""The report's SVG charts, as pure functions: axis ticks, colours, and escaping of every text."""

from voc.web import svg


def test_ticks_are_round_and_reach_the_top():
    assert svg.nice_ticks(87) == [0, 20, 40, 60, 80, 100]
    assert svg.nice_ticks(300) == [0, 100, 200, 300]
    assert svg.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert svg.nice_ticks(0) == [0.0, 1.0]  # an empty chart still has an axis


def test_bar_colour_runs_from_blue_to_red_with_the_negative_share():
    assert svg.blend(0.0) == "#9ec5e8" and svg.blend(1.0) == "#c8423b"
    assert svg.blend(0.5) == "#b38492" and svg.blend(2.0) == "#c8423b"  # halfway; clipped above 1


def test_every_text_in_a_chart_is_escaped():
    hostile = 'Bill <script>alert(1)</script> & "more"'
    for chart in (svg.bars([(hostile, 5, 0.5)]), svg.lines(["2026-01-05 <b>"], [(hostile, [3])])):
        assert "<script" not in chart and "<b>" not in chart
        assert "&lt;script&gt;" in chart and "&amp;" in chart
