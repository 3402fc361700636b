"""Context lists split with corpus evidence, never by a bare comma split."""

from __future__ import annotations

from db.contexts import segment, segment_all


def test_sorted_lists_split_on_separator() -> None:
    assert segment("Iraq, Turkey, Turkey–PKK conflict") == ("Iraq", "Turkey", "Turkey–PKK conflict")


def test_out_of_order_piece_continues_the_previous_name() -> None:
    assert segment("Kim Davis (county clerk), Rowan County, Kentucky, Same-sex marriage") == (
        "Kim Davis (county clerk)", "Rowan County, Kentucky", "Same-sex marriage",
    )


def test_year_suffix_continues_the_name() -> None:
    assert segment("Guatemalan general election, 2015") == ("Guatemalan general election, 2015",)
    assert segment("2015 Pacific typhoon season, Japan") == ("2015 Pacific typhoon season", "Japan")


def test_lowercase_piece_continues_unless_seen_alone() -> None:
    assert segment("Paris, the city of light") == ("Paris, the city of light",)
    found = segment_all(["Apple, iPhone", "iPhone"])
    assert found["Apple, iPhone"] == ("Apple", "iPhone")


def test_us_place_names_merge_when_the_city_never_stands_alone() -> None:
    found = segment_all(["Las Vegas, Nevada, United States", "Las Vegas, Nevada", "Nevada"])
    assert found["Las Vegas, Nevada, United States"] == ("Las Vegas, Nevada", "United States")
    found = segment_all(["Barack Obama, Texas", "Barack Obama", "Barack Obama, United States"])
    assert found["Barack Obama, Texas"] == ("Barack Obama", "Texas")


def test_compounds_learned_elsewhere_apply_where_order_cannot_tell() -> None:
    # "Kentucky" sorts before "Rowan County" in the first list, which proves the compound;
    # in the second, order alone could not tell ("Rowan County" < "Zed").
    found = segment_all(["Rowan County, Kentucky", "Alpha, Rowan County, Kentucky, Zed"])
    assert found["Alpha, Rowan County, Kentucky, Zed"] == ("Alpha", "Rowan County, Kentucky", "Zed")


def test_empty_and_blank_pieces() -> None:
    assert segment("") == ()
    assert segment("A, , B") == ("A", "B")
