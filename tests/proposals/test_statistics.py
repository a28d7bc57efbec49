"""The Mann–Whitney U test on histograms gives scipy's figures, and the rule that calls a difference more
than noise: p below 0.05 with at least 5 answers on each side."""

import pytest

from proposals.statistics import DIFFERENCE, NO_CLEAR_DIFFERENCE, NOT_ENOUGH, compare, mann_whitney

# scipy's figures: scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
# use_continuity=True) (scipy 1.17.1), x and y the answers the histograms count (counts[0] at 1),
# as (statistic, pvalue). Kept here so the suite does not depend on scipy.
SCIPY = [
    ((0, 0, 1, 4, 5), (4, 5, 1, 0, 0), 99.5, 0.00014941927868913527),
    ((2, 3, 3, 1, 1), (1, 2, 3, 3, 1), 37.5, 0.3513511013830296),
    ((1, 2, 4, 2, 1), (2, 3, 3, 1, 1), 60.5, 0.4346215255153082),
    ((0, 0, 7, 0, 0), (0, 0, 5, 0, 0), 17.5, 1.0),  # every answer the same
    ((0, 6, 0, 0, 0), (0, 0, 0, 5, 0), 0.0, 0.0022366244452098707),  # each side on one point
    ((0, 1, 3, 4, 4), (2, 3, 4, 2, 1), 110.5, 0.024162215714920304),
    ((0, 1, 2, 1, 1), (3, 1, 1, 0, 0), 22.5, 0.041258044757493055),
    ((1, 2, 3, 4, 2), (3, 4, 3, 1, 1), 102.0, 0.08132537656307433),
    ((0, 1, 2, 1, 1), (3, 10, 12, 8, 7), 111.5, 0.6822772756028535),  # sides of 5 and 40
    ((1200, 2500, 3100, 2200, 1000), (1500, 2700, 3000, 1900, 900), 53175000.0, 1.1260883393628166e-15),
    ((3000, 2000, 1000, 500, 500), (2500, 2100, 1200, 600, 600), 22450000.0, 2.4585551076930364e-19),
]


@pytest.mark.parametrize(("first", "second", "u", "p"), SCIPY)
def test_the_test_gives_scipys_figures(first, second, u, p):
    found = mann_whitney(first, second)
    assert found.u == u
    assert found.p == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_z_is_the_normal_quantile_of_half_the_p_value():
    # scipy's p = 2 · (1 − Φ(z)); -ndtri(p / 2) from scipy for the cases above.
    assert mann_whitney((0, 0, 1, 4, 5), (4, 5, 1, 0, 0)).z == pytest.approx(3.7920326246381286, rel=1e-9)
    assert mann_whitney((1, 2, 4, 2, 1), (2, 3, 3, 1, 1)).z == pytest.approx(0.7813077287908224, rel=1e-9)
    assert mann_whitney((0, 2, 3, 3, 2), (2, 3, 3, 2, 0)).p == pytest.approx(0.07325127173415537, rel=1e-9)
    assert mann_whitney((0, 2, 3, 3, 2), (2, 3, 3, 2, 0)).z == pytest.approx(1.791261933288163, rel=1e-9)


def test_swapping_the_sides_keeps_p_and_turns_u_around():
    one, other = (0, 1, 3, 4, 4), (2, 3, 4, 2, 1)
    forth, back = mann_whitney(one, other), mann_whitney(other, one)
    assert forth.p == back.p
    assert forth.u + back.u == sum(one) * sum(other)


def test_nothing_to_compare_on_an_empty_side():
    # scipy answers NaN for both (and warns that a sample is too small).
    for first, second in (((0,) * 5, (1, 2, 3, 0, 0)), ((1, 2, 3, 0, 0), (0,) * 5), ((0,) * 5, (0,) * 5)):
        found = mann_whitney(first, second)
        assert (found.u, found.z, found.p) == (None, None, None)


def test_every_answer_the_same_is_no_difference_at_all():
    found = mann_whitney((0, 0, 0, 9, 0), (0, 0, 0, 6, 0))
    assert (found.u, found.z, found.p) == (27.0, None, 1.0)


def test_histograms_must_share_their_points():
    with pytest.raises(ValueError):
        mann_whitney((1, 2, 3), (1, 2, 3, 4, 5))


def test_a_clear_fall_is_more_than_noise():
    found = compare((0, 0, 1, 4, 5), (4, 5, 1, 0, 0))
    assert found.outcome == DIFFERENCE
    assert found.direction == "down"
    assert (found.before, found.after, found.before_median, found.after_median) == (10, 10, 4.5, 2.0)
    assert found.p == pytest.approx(0.00014941927868913527, rel=1e-9)


def test_a_rise_is_more_than_noise_too():
    found = compare((4, 5, 1, 0, 0), (0, 0, 1, 4, 5))
    assert (found.outcome, found.direction) == (DIFFERENCE, "up")


def test_a_difference_can_be_more_than_noise_with_equal_medians():
    found = compare((0, 1, 3, 4, 4), (2, 3, 4, 2, 1))  # p = 0.0241…, scipy's figure above
    assert (found.before_median, found.after_median, found.direction) == (4.0, 3.0, "down")
    # Both medians are 3; the ranks still say the answers went down.
    found = compare((0, 0, 12, 5, 3), (3, 5, 12, 0, 0))
    assert found.before_median == found.after_median == 3
    assert (found.outcome, found.direction) == (DIFFERENCE, "down")


def test_p_at_or_above_five_percent_is_no_clear_difference():
    found = compare((1, 2, 4, 2, 1), (2, 3, 3, 1, 1))
    assert (found.outcome, found.direction) == (NO_CLEAR_DIFFERENCE, None)
    assert found.p == pytest.approx(0.4346215255153082, rel=1e-9)
    assert compare((0, 0, 7, 0, 0), (0, 0, 5, 0, 0)).outcome == NO_CLEAR_DIFFERENCE  # p = 1


def test_fewer_than_five_on_a_side_is_not_enough_whatever_the_gap():
    # Four answers at 5 before, twenty at 1 after: a striking gap, but four people are not enough.
    found = compare((0, 0, 0, 0, 4), (20, 0, 0, 0, 0))
    assert found.outcome == NOT_ENOUGH
    assert (found.test, found.p, found.direction) == (None, None, None)
    assert (found.before, found.after) == (4, 20)
    assert (found.before_median, found.after_median) == (None, 1.0), "no median of fewer than five"
    # Five on each side is enough (and this gap is more than noise: p = 0.0022…, scipy's above).
    found = compare((0, 6, 0, 0, 0), (0, 0, 0, 5, 0))
    assert (found.outcome, found.direction) == (DIFFERENCE, "up")


def test_the_minimum_is_a_parameter():
    assert compare((0, 0, 1, 4, 5), (4, 5, 1, 0, 0), minimum=11).outcome == NOT_ENOUGH
    assert compare((0, 0, 1, 4, 5), (4, 5, 1, 0, 0), minimum=10).outcome == DIFFERENCE
