"""Context lists of shapes the bundled sample lacks, built the way the portal builds them.

Each list is the shared contexts of two events, sorted by code point and joined by ``", "``
(``portal``); the segmentation must give back exactly those names.
"""

from __future__ import annotations

from db.contexts import segment, segment_all


def portal(first: set[str], second: set[str]) -> str:
    """The ``_Context: ..._`` text of a link between events with these contexts."""
    return ", ".join(sorted(first & second))


# (a) a qualifier after a comma that starts with a capital: a month and a year


def test_month_and_year_continue_the_name() -> None:
    joaquin = {"Hurricane Joaquin, October 2015", "The Bahamas"}
    text = portal(joaquin, joaquin | {"United States"})
    assert text == "Hurricane Joaquin, October 2015, The Bahamas"
    assert segment(text) == ("Hurricane Joaquin, October 2015", "The Bahamas")


def test_month_and_year_after_a_name_it_sorts_after() -> None:
    ankara = {"Ankara bombings, October 2015", "Turkey", "Turkey–PKK conflict"}
    text = portal(ankara, ankara | {"Ankara"})
    found = segment_all([text, "Turkey", "Turkey, Turkey–PKK conflict"])
    assert found[text] == ("Ankara bombings, October 2015", "Turkey", "Turkey–PKK conflict")


def test_day_month_and_year_continue_the_name() -> None:
    text = portal({"Metrojet Flight 9268, 31 October 2015", "Russia"}, {"Metrojet Flight 9268, 31 October 2015"})
    assert segment(text) == ("Metrojet Flight 9268, 31 October 2015",)


def test_names_that_only_start_with_a_month_stay_apart() -> None:
    text = portal({"Bolsheviks", "October Revolution", "Russia"}, {"Bolsheviks", "October Revolution"})
    assert segment(text) == ("Bolsheviks", "October Revolution")
    found = segment_all(["Hurricane Joaquin, September 2015", "September 2015"])  # a month seen alone
    assert found["Hurricane Joaquin, September 2015"] == ("Hurricane Joaquin", "September 2015")


# (b) a name that starts with a digit yet stands alone


def test_digit_names_after_digit_names_stand_alone() -> None:
    rugby = {"2015 Rugby World Cup", "2016 Summer Olympics", "Rugby union"}
    text = portal(rugby, rugby | {"England"})
    assert segment(text) == ("2015 Rugby World Cup", "2016 Summer Olympics", "Rugby union")
    race = {"2015 Republican Party presidential debates", "2016 United States presidential election", "Donald Trump"}
    text = portal(race, race)
    assert segment(text) == (
        "2015 Republican Party presidential debates", "2016 United States presidential election", "Donald Trump",
    )


def test_year_and_season_suffixes_still_continue() -> None:
    faroe = {"Faroe Islands", "Faroese general election, 2015"}
    assert segment(portal(faroe, faroe)) == ("Faroe Islands", "Faroese general election, 2015")
    season = {"2015 Atlantic hurricane season", "2015 Pacific hurricane season", "Bundesliga, 2015–16"}
    assert segment(portal(season, season)) == (
        "2015 Atlantic hurricane season", "2015 Pacific hurricane season", "Bundesliga, 2015–16",
    )


# (c) compounds merged across a boundary between two names


def test_a_story_name_keeps_a_piece_from_a_us_state() -> None:
    # "Hurricane Harvey" is always followed by "Texas" in lists, as "Houston" is; a title
    # beginning "Hurricane Harvey." shows it standing alone.
    harvey, houston = {"Hurricane Harvey", "Texas"}, {"Houston, Texas", "Texas", "United States"}
    texts = [portal(harvey | {"2017 Atlantic hurricane season"}, harvey), portal(houston, houston),
             portal(houston | harvey, harvey | {"Houston, Texas"})]
    found = segment_all(texts, ["Hurricane Harvey", "Houston, Texas"])
    assert found["Hurricane Harvey, Texas"] == ("Hurricane Harvey", "Texas")
    assert found["Houston, Texas, Texas, United States"] == ("Houston, Texas", "Texas", "United States")
    assert found["Houston, Texas, Hurricane Harvey, Texas"] == ("Houston, Texas", "Hurricane Harvey", "Texas")
    assert segment_all(texts)["Houston, Texas, Texas, United States"][0] == "Houston, Texas"  # no titles: still a place


def test_a_piece_sorting_before_a_name_may_open_a_compound() -> None:
    # "Charleston church shooting" < "Charleston, South Carolina" (" " sorts before ","), yet the
    # piece "Charleston" sorts before "Charleston church shooting".
    shooting, city = {"Charleston church shooting", "Charleston, South Carolina"}, {"South Carolina"}
    texts = [portal(shooting | city, shooting), portal(shooting | city, city | {"Charleston, South Carolina"}),
             portal(shooting | city, {"Charleston church shooting"} | city)]
    found = segment_all(texts)
    assert found["Charleston church shooting, Charleston, South Carolina"] == (
        "Charleston church shooting", "Charleston, South Carolina",
    )
    assert found["Charleston church shooting, South Carolina"] == ("Charleston church shooting", "South Carolina")
    assert found["Charleston, South Carolina, South Carolina"] == ("Charleston, South Carolina", "South Carolina")


def test_a_compound_a_title_proves_joins_only_where_its_pieces_meet() -> None:
    texts = ["London, Ontario, Toronto", "London, Ontario", "Ontario", "London, United Kingdom"]
    found = segment_all(texts, ["London, Ontario", "Brexit"])
    assert found["London, Ontario, Toronto"] == ("London, Ontario", "Toronto")
    assert found["London, United Kingdom"] == ("London", "United Kingdom")
    assert segment_all(texts)["London, Ontario, Toronto"] == ("London", "Ontario", "Toronto")  # no title, no proof


def test_several_story_names_in_one_title_each_stand_alone() -> None:
    texts = ["Hurricane Harvey, Texas", "Houston, Texas"]
    found = segment_all(texts, ["2017 Atlantic hurricane season. Hurricane Harvey"])
    assert found == {"Hurricane Harvey, Texas": ("Hurricane Harvey", "Texas"), "Houston, Texas": ("Houston, Texas",)}
