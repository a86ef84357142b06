"""The public landing page: campaign facts in both languages, keyboard access, small screens.

The 2026-2027 campaign comes from the data migration. Its French wording is still being
translated, so the French checks hold to the language, the address and the campaign's values
(dates and numbers formatted by Django's French locale), not to sentences.
"""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_landing_in_english_shows_the_campaign_facts(page: Page):
    page.goto("/en/")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Teach English in France for seven months"
    )
    for title in (
        "Key dates",
        "The job",
        "Who can apply",
        "Application fee",
        "How to apply",
        "Where you may be placed",
    ):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    dates = page.get_by_role("region", name="Key dates")
    expect(dates.locator("dt", has_text="Application deadline").locator("+ dd")).to_have_text(
        "27 February 2026, 11:59 p.m. Eastern time"
    )
    expect(page.get_by_role("region", name="The job")).to_contain_text(
        "Gross monthly salary: 1,036.21 EUR"
    )
    expect(page.get_by_role("region", name="Application fee")).to_contain_text(
        "80 CAD by Interac e-Transfer to administration@institutfrancais.ca."
    )
    academies = page.get_by_role("region", name="Where you may be placed").get_by_role("listitem")
    expect(academies).to_have_count(30)
    expect(academies.filter(has_text="Mayotte")).to_have_text("Mayotte (overseas)")
    # Visitors are offered both ways in, and the other language.
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Create an account")).to_have_attribute(
        "href", "/en/accounts/signup/"
    )
    expect(main.get_by_role("link", name="Log in")).to_have_attribute("href", "/en/accounts/login/")
    expect(page.get_by_role("button", name="Français")).to_have_attribute("lang", "fr")


def test_landing_in_french_shows_the_campaign_values_in_french_formats(page: Page):
    page.goto("/fr/")

    expect(page).to_have_url(re.compile(r"/fr/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("27 février 2026 à 23 h 59, heure de l’Est")
    expect(main).to_contain_text("80 CAD")
    # French grouping: a no-break space between thousands, a decimal comma.
    expect(main).to_contain_text(re.compile(r"1\s036,21 EUR"))
    expect(main).not_to_contain_text("1,036.21")
    expect(main.locator("a[href='/fr/accounts/signup/']")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")


def test_landing_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page: Page):
    page.goto("/en/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0, "the focused skip link must come into view"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/#main$"))
    expect(page.get_by_role("main")).to_be_focused()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_landing_on_a_phone_has_no_horizontal_scroll(page: Page, language: str):
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(f"/{language}/")

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    navigation = page.get_by_role("banner").get_by_role("navigation")
    expect(navigation.locator(f"a[href='/{language}/accounts/login/']")).to_be_visible()
    expect(navigation.locator(f"a[href='/{language}/accounts/signup/']")).to_be_visible()
    links = navigation.get_by_role("link")
    for link in links.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375, f"{link.inner_text()!r} is cut off"
    other_language = "English" if language == "fr" else "Français"
    expect(page.get_by_role("button", name=other_language)).to_be_in_viewport()
