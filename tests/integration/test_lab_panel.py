"""Details of the panel a person notices in JupyterLab: an upload always replaces the image,
text reads well in the light and the dark theme, and the keyboard works.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo

from . import drive
from .servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

#: Every text node in the panel, with its contrast against the colour actually behind it
#: (the first ancestor with an opaque background), by the WCAG 2 formula.
CONTRAST_JS = """
root => {
  const parse = c => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const behind = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const found = [];
  const seen = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    // Disabled controls are exempt (WCAG 1.4.3): faded is how they say "not now".
    if (!text || seen.has(el) || !el.getClientRects().length || el.closest('button:disabled')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const [hi, lo] = [lum(parse(style.color)), lum(behind(el))].sort((x, y) => y - x);
    found.push({text: text.slice(0, 50), ratio: (hi + 0.05) / (lo + 0.05)});
  }
  return found;
}
"""
#: WCAG AA for body text.
MIN_CONTRAST = 4.5


@pytest.fixture
def lab_panel(lab_server: Server, page: Any) -> Iterator[Any]:
    """A fresh panel on its own page, for tests that generate."""
    yield drive.open_panel(page, lab_server)


@pytest.fixture(scope="module")
def shared(lab_server: Server, browser: Any) -> Iterator[tuple[Any, Any]]:
    """One page and panel for the checks that only look (and resize or re-theme, then undo)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        # Its own notebook: another test opening panel.ipynb would end this page's kernel.
        yield page, drive.open_panel(page, lab_server, "look.ipynb")
    finally:
        context.close()


def set_theme(page: Any, theme: str) -> None:
    light = "false" if "Dark" in theme else "true"
    page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})")
    page.wait_for_selector(f"body[data-jp-theme-light='{light}']", state="attached")
    page.wait_for_timeout(400)


def test_an_upload_replaces_a_path_typed_before_it(lab_panel: Any, page: Any, upload_image: Path) -> None:
    path_field = lab_panel.locator(".veo-image-path input, input[placeholder*='path']").first
    drive.type_into(page, path_field, "holiday/beach.jpg")
    page.keyboard.press("Tab")
    drive.upload(page, lab_panel, upload_image)
    drive.wait_preview(page, lab_panel, timeout=30_000)
    page.wait_for_timeout(500)  # let every echo of the upload settle
    assert "lighthouse.jpg" in lab_panel.inner_text()
    assert "no such file" not in lab_panel.inner_text().lower()
    prompt = lab_panel.locator(drive.PROMPT).first
    drive.type_into(page, prompt, "The beam sweeps the bay")
    drive.button(lab_panel, "Generate").click()
    card = lab_panel.locator(drive.CARD).first
    card.wait_for(timeout=15_000)
    assert drive.follow(card)[-1] == "completed", lab_panel.inner_text()


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_text_in_the_panel_reads_well(shared: tuple[Any, Any], upload_image: Path, theme: str) -> None:
    page, lab_panel = shared
    drive.upload(page, lab_panel, upload_image)
    drive.wait_preview(page, lab_panel)
    set_theme(page, theme)
    try:
        texts = lab_panel.evaluate(CONTRAST_JS)
    finally:
        set_theme(page, "JupyterLab Light")
    assert len(texts) > 10, texts  # the panel's labels and buttons were all measured
    faint = [f"{t['text']!r} {t['ratio']:.1f}:1" for t in texts if t["ratio"] < MIN_CONTRAST]
    assert not faint, f"text below {MIN_CONTRAST}:1 contrast in {theme}: {faint}"


def test_the_demo_notice_shows_once(shared: tuple[Any, Any]) -> None:
    page, _ = shared
    output = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-Cell-outputArea")
    assert output.inner_text().count("demo mode") == 1, output.inner_text()
    assert not output.locator("[data-mime-type='application/vnd.jupyter.stderr']").count(), "a stderr line"


#: An interactive role in an ARIA snapshot line, and its quoted name if it has one.
CONTROL = re.compile(r'^\s*- (button|textbox|checkbox|combobox|slider|spinbutton|radio)(?: "([^"]*)")?', re.M)
#: Icon fonts' glyphs (Unicode's private use area) name nothing to a person.
ICONS = re.compile("[\ue000-\uf8ff]")


def test_every_control_has_an_accessible_name(shared: tuple[Any, Any]) -> None:
    _, lab_panel = shared
    tree = lab_panel.aria_snapshot()
    controls = [(m.group(1), ICONS.sub("", m.group(2) or "").strip()) for m in CONTROL.finditer(tree)]
    assert ("button", "Generate") in controls, tree
    unnamed = [role for role, name in controls if not re.search(r"\w", name)]
    assert not unnamed, f"controls without an accessible name: {unnamed}\n{tree}"


def test_ctrl_enter_in_the_prompt_generates(lab_panel: Any, page: Any, upload_image: Path) -> None:
    drive.upload(page, lab_panel, upload_image)
    drive.wait_preview(page, lab_panel)
    drive.type_into(page, lab_panel.locator(drive.PROMPT).first, "The beam sweeps the bay")
    count = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first.inner_text()
    page.keyboard.press("Control+Enter")
    card = lab_panel.locator(drive.CARD).first
    card.wait_for(timeout=15_000)
    assert drive.follow(card)[-1] == "completed"
    # ...and JupyterLab did not also re-run the cell (which would replace the panel).
    assert page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first.inner_text() == count


def test_ctrl_enter_right_after_fast_typing_sends_the_whole_prompt(lab_server: Server, page: Any) -> None:
    """Typed at full speed and sent at once, as a fast typist does: the job carries every
    character. (ipywidgets held the last keystrokes back while the kernel was busy with
    earlier ones, and the job started with the prompt cut short.)"""
    panel = drive.open_panel(page, lab_server, "fast.ipynb")
    text = f"The beam sweeps the bay at dusk, take {secrets.token_hex(3)}"  # < 60: the card shows it all
    panel.locator(drive.PROMPT).first.click()
    page.keyboard.type(text, delay=0)
    page.keyboard.press("Control+Enter")
    card = panel.locator(drive.CARD).first
    card.wait_for(timeout=15_000)
    assert re.sub(r"^#\d+\s*", "", card.locator(".veo-card-title").inner_text()).strip() == text
    journal = veo.Journal(lab_server.root.parent / "veo_home" / "journal.sqlite3")
    deadline = time.monotonic() + 10
    while not (jobs := journal.page(text=text[-6:])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(job.request or {}).get("prompt") for job in jobs] == [text], "the journal holds another prompt"
    assert drive.follow(card)[-1] == "completed", panel.inner_text()


#: Controls sticking out past the panel's right edge, and buttons whose label is cut.
OVERFLOW_JS = """
p => {
  const edge = p.getBoundingClientRect().right + 1;
  const name = e => (e.innerText || e.getAttribute('placeholder') || e.getAttribute('aria-label') || e.tagName).trim();
  const shown = [...p.querySelectorAll('button, input, textarea, select, label, img, video')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
  return {
    outside: shown.filter(e => e.getBoundingClientRect().right > edge).map(name),
    cut: shown.filter(e => e.tagName === 'BUTTON' && e.scrollWidth > e.clientWidth + 1).map(name),
  };
}
"""


@pytest.mark.parametrize("width", [1400, 760])
def test_every_control_stays_in_view(shared: tuple[Any, Any], width: int) -> None:
    page, lab_panel = shared
    page.set_viewport_size({"width": width, "height": 1100})
    try:
        page.wait_for_timeout(500)
        found = lab_panel.evaluate(OVERFLOW_JS)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1100})
    assert not found["outside"], f"past the panel's right edge at {width} px: {found['outside']}"
    assert not found["cut"], f"buttons with a cut label at {width} px: {found['cut']}"


def test_a_portrait_video_fits_the_window(lab_panel: Any, page: Any, upload_image: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    drive.button(lab_panel, "9:16").click()
    drive.upload(page, lab_panel, upload_image)
    drive.wait_preview(page, lab_panel)
    drive.type_into(page, lab_panel.locator(drive.PROMPT).first, "The lighthouse, upright, in the fog")
    drive.button(lab_panel, "Generate").click()
    card = lab_panel.locator(drive.CARD).first
    card.wait_for(timeout=10_000)
    assert drive.follow(card)[-1] == "completed"
    video = lab_panel.locator("video").first
    info = drive.check_plays(page, video, seconds=4)
    assert (info["width"], info["height"]) == (720, 1280)
    box = video.bounding_box()
    assert box is not None and box["height"] <= 900, f"the video is {box} in a 900 px high window"


#: What has the focus, and whether a person can see that it has: its outline, shadow,
#: border or background differ from the same control without the focus.
FOCUSED_JS = """
p => {
  const e = document.activeElement;
  if (!e || !p.contains(e)) return null;
  const look = () => {
    const s = getComputedStyle(e);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join('|');
  };
  const focused = look();
  e.blur();
  const blurred = look();
  e.focus();
  return {name: (e.innerText || e.getAttribute('aria-label') || e.getAttribute('placeholder') || e.tagName).trim(),
          ring: focused !== blurred};
}
"""


def test_tab_reaches_generate_with_a_visible_focus(shared: tuple[Any, Any]) -> None:
    page, lab_panel = shared
    lab_panel.locator(drive.PROMPT).first.click()
    visited: list[dict[str, Any]] = []
    for _ in range(30):  # a bounded walk: the form has about twenty stops
        page.keyboard.press("Tab")
        focused = lab_panel.evaluate(FOCUSED_JS)
        if focused is None:
            break
        visited.append(focused)
        if focused["name"].endswith("Generate"):
            break
    names = [v["name"] for v in visited]
    assert any(n.endswith("Generate") for n in names), f"Tab from the prompt never reached Generate: {names}"
    unseen = [v["name"] for v in visited if not v["ring"]]
    assert not unseen, f"focus is invisible on: {unseen}"


def test_a_finished_video_is_rendered_once(lab_panel: Any, page: Any, upload_image: Path) -> None:
    drive.upload(page, lab_panel, upload_image)
    drive.wait_preview(page, lab_panel)
    drive.type_into(page, lab_panel.locator(drive.PROMPT).first, "The beam sweeps the bay")
    lab_panel.evaluate(
        """p => { window.veoVideos = 0;
                 new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
                   if (n.nodeType === 1) window.veoVideos += n.matches('video') ? 1 : n.querySelectorAll('video').length;
                 }))).observe(p, {childList: true, subtree: true}); }"""
    )
    drive.button(lab_panel, "Generate").click()
    card = lab_panel.locator(drive.CARD).first
    card.wait_for(timeout=30_000)
    assert drive.follow(card)[-1] == "completed"
    drive.check_plays(page, lab_panel.locator("video").first, seconds=4)
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.veoVideos") == 1, "the player was rendered more than once"


#: Where each labelled field's label ends and its control begins, by label text.
FIELDS_JS = """
p => [...p.querySelectorAll('.widget-label')].filter(l => l.getClientRects().length && l.textContent.trim())
  .map(l => {
    const control = l.nextElementSibling;
    return {label: l.textContent.trim(), labelRight: Math.round(l.getBoundingClientRect().right),
            controlLeft: control ? Math.round(control.getBoundingClientRect().left) : null,
            clipped: l.scrollWidth > l.clientWidth + 1};
  })
"""


def test_option_rows_line_up_with_the_other_fields(shared: tuple[Any, Any]) -> None:
    _, lab_panel = shared
    fields = {f["label"]: f for f in lab_panel.evaluate(FIELDS_JS)}
    for name in ("Model", "Prompt", "Aspect", "Quality", "Length", "Seed", "API key"):
        assert name in fields, f"no {name!r} field: {sorted(fields)}"
    prompt = fields["Prompt"]
    for name in ("Aspect", "Quality", "Length", "Model", "Seed", "API key"):
        assert abs(fields[name]["labelRight"] - prompt["labelRight"]) <= 2, (name, fields[name], prompt)
        assert abs(fields[name]["controlLeft"] - prompt["controlLeft"]) <= 2, (name, fields[name], prompt)
    assert not [f["label"] for f in fields.values() if f["clipped"]], f"labels cut short: {fields}"


def test_the_upload_button_says_what_it_does(shared: tuple[Any, Any]) -> None:
    _, lab_panel = shared
    upload = lab_panel.locator(drive.UPLOAD).first
    assert upload.inner_text().strip() == "Upload image", upload.inner_text()
    names = [ICONS.sub("", m.group(2) or "").strip() for m in CONTROL.finditer(upload.aria_snapshot())]
    assert names == ["Upload image"], f"the upload button is named {names}"
    nulls = lab_panel.evaluate("p => [...p.querySelectorAll('[title=null]')].map(e => e.textContent.trim())")
    assert not nulls, f"'null' tooltips on: {nulls}"


def test_the_key_row_buttons_keep_their_words_on_one_line(shared: tuple[Any, Any]) -> None:
    page, lab_panel = shared
    for width in (1400, 760):
        page.set_viewport_size({"width": width, "height": 1100})
        page.wait_for_timeout(300)
        heights = lab_panel.evaluate(
            """p => [...p.querySelectorAll('.veo-key-row button')].map(b =>
                   [b.innerText.trim(), b.getBoundingClientRect().height, parseFloat(getComputedStyle(b).lineHeight)])"""
        )
        page.set_viewport_size({"width": 1400, "height": 1100})
        assert [h[0] for h in heights] == ["Use key", "Check", "Clear key"], heights
        wrapped = [name for name, height, line in heights if height > 1.5 * line]
        assert not wrapped, f"button labels wrapped at {width} px: {wrapped}"


#: The selected option's background against an unselected one's, by the WCAG formula.
SELECTED_JS = (
    CONTRAST_JS.split("const found")[0].replace("root => {", "p => {")
    + """
  const row = p.querySelector('.widget-toggle-buttons');
  const on = parse(getComputedStyle(row.querySelector('.mod-active')).backgroundColor);
  const off = parse(getComputedStyle(row.querySelector('button:not(.mod-active)')).backgroundColor);
  const [hi, lo] = [lum(on), lum(off)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
"""
)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_the_selected_option_stands_out(shared: tuple[Any, Any], theme: str) -> None:
    page, lab_panel = shared
    set_theme(page, theme)
    try:
        ratio = lab_panel.evaluate(SELECTED_JS)
    finally:
        set_theme(page, "JupyterLab Light")
    # WCAG 1.4.11 asks 3:1 of what tells a state apart.
    assert ratio >= 3, f"the selected option differs from the others by only {ratio:.1f}:1 in {theme}"


def test_a_live_panel_never_says_it_is_not_live(shared: tuple[Any, Any]) -> None:
    """The saved view (the cover, and the summary beside the panel) is there in the page, for
    a saved copy, but while the kernel runs nobody sees it and no screen reader reads it."""
    page, lab_panel = shared
    # Past the moment the saved view would show if the kernel's rewrites had stopped.
    page.wait_for_function(
        "p => Number((p.querySelector(\"[data-veo='saved-view']\") || {dataset: {}}).dataset.beat) >= 6",
        arg=lab_panel.element_handle(),
        timeout=30_000,
    )
    output = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-Cell-outputArea")
    assert output.locator(".veo-static-summary").count() == 1, "no static summary beside the panel"
    told = output.aria_snapshot()
    assert "not live" not in told and "Run the cell" not in told, told
    shown = output.evaluate(
        """o => [...o.querySelectorAll("[data-veo]")].filter(e => getComputedStyle(e).visibility !== 'hidden'
                 && parseFloat(getComputedStyle(e.closest('.veo-static-summary') || e).opacity) > 0.1)
                 .map(e => e.dataset.veo)"""
    )
    assert not shown, f"a live panel shows its saved view: {shown}"


@pytest.mark.timeout(480)
def test_a_22_second_long_take_shows_a_card_per_link_and_plays_whole(lab_panel: Any, page: Any) -> None:
    lab_panel.locator(".veo-model select").select_option(label="veo-3.1-fast-t2v (text)")
    choice = lab_panel.locator(".veo-long-take select")
    choice.wait_for(timeout=10_000)  # offered once the model can extend
    choice.select_option(label="22 s as one long take")
    estimate = lab_panel.locator(".veo-estimate")
    drive.poll(estimate, "e => e.textContent.includes('8 + 7 + 7 s = 22 s')", timeout=30)
    assert "for the whole take" in estimate.inner_text()  # the chain's price, before anything is sent
    drive.type_into(page, lab_panel.locator(drive.PROMPT).first, "A fox trots through the snow")
    drive.button(lab_panel, "Generate").click()
    card = lab_panel.locator(".veo-long-take-card").first
    card.wait_for(timeout=30_000)
    links = card.locator(".veo-link-card")
    links.first.wait_for(timeout=30_000)
    assert [links.nth(i).inner_text().split("·")[0].strip() for i in range(links.count())] == [
        "Link 1 of 3",
        "Link 2 of 3",
        "Link 3 of 3",
    ]
    assert drive.follow(card, timeout=400)[-1] == "completed"
    assert links.locator(".veo-badge[data-status='completed']").count() == 3
    drive.poll(
        card, "c => [...c.querySelectorAll('.veo-link-card img')].filter(i => i.naturalWidth > 0).length === 3", 30
    )
    drive.check_plays(page, lab_panel.locator(".veo-player video").first, seconds=22)
