"""The built site in a real browser (Debian's Chromium through Playwright), opened from file:// with the network off.

Skipped, with the reason shown, when Chromium or Playwright is missing: never passed silently.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest
from lb_helpers import group_entry, sample, task_result, write_run
from lb_media import write_png, write_wav, write_webm

from leaderboard import build_site

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_LINK = '<a href="javascript:window.__xss=1">click</a> javascript:window.__xss=1'
XSS = f"{XSS_SCRIPT} {XSS_IMG} {XSS_LINK}"
TRICKY = 'a\u2028b\u2029c <!-- d --> */ "); window.__xss=1; // \\ é 漢字 🙂 </script>'



def _runs(root: Path) -> Path:
    runs = root / "runs"
    text = lambda v: group_entry(["qa", "trivia"], v, 0.02, [v - 0.04, v + 0.04])  # noqa: E731
    write_run(runs, "hf:/m/alpha", "20261125T060000Z-a0", "2026-11-25T06:00:00Z",
              {"qa": task_result(0.45, (0.40, 0.50)), "trivia": task_result(0.5, (0.45, 0.55))},
              groups={"text": text(0.475)})
    qa = [sample(i, i % 2 == 0, response=XSS if i < 3 else f"answer {i}",
                 judge=[{"judge_model": "judge-x", "template": "t", "template_hash": "h", "raw_output": XSS,
                         "parsed": 7, "parse_error": None, "attempts": 1}] if i == 0 else None)
          for i in range(1200)] + [sample(1200, None, error=f"boom {XSS_SCRIPT}")]
    d = write_run(runs, "hf:/m/alpha", "20261125T070000Z-a1", "2026-11-25T07:00:00Z",
                  {"qa": task_result(0.5, (0.45, 0.55)), "trivia": task_result(0.52, (0.47, 0.57)),
                   "speech": task_result(1.0, (1.0, 1.0), groups=("audio",))},
                  groups={"text": text(0.51), "audio": group_entry(["speech"], 1.0, 0.0, [1.0, 1.0])},
                  samples={"qa": qa, "speech": [sample(0, True, response=XSS, output_parts=[
                      {"type": "audio", "path": "media/tone.wav", "mime": "audio/wav"}], messages=[
                      {"role": "user", "parts": [{"type": "image", "path": "media/pic.png", "mime": "image/png"},
                                                 {"type": "video", "path": "media/clip.webm", "mime": "video/webm"},
                                                 {"type": "text", "text": "describe"}]}])]})
    write_wav(d / "media" / "tone.wav")
    write_png(d / "media" / "pic.png")
    write_webm(d / "media" / "clip.webm")
    # Valid JSON that is awkward inside a script: raw separators, comment openers, quote breaking, non-ASCII.
    with open(d / "samples" / "qa.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "odd", "response": TRICKY, "metrics": {"acc": None}, "correct": None},
                           ensure_ascii=False) + "\n")
    write_run(runs, "hf:/m/beta", "20261125T080000Z-b0", "2026-11-25T08:00:00Z",
              {"qa": task_result(0.8, (0.75, 0.85)), "trivia": task_result(0.3, (0.25, 0.35))},
              groups={"text": text(0.55)}, samples={"qa": [sample(i, True) for i in range(1200)]})
    write_run(runs, "hf:/m/gamma", "20261125T090000Z-c0", "2026-11-25T09:00:00Z",
              {"qa": task_result(0.2, (0.1, 0.3)), "trivia": task_result(0.9, (0.85, 0.95))},
              groups={"text": text(0.55)}, name=f"gamma {XSS_IMG}")
    return runs


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("lb")
    return build_site([_runs(root)], root / "site")


@pytest.fixture(scope="module")
def browser():
    # In CI (CI=true) the browser is installed on purpose: a missing one is a failure, never a silent skip.
    missing = pytest.fail if os.environ.get("CI", "").lower() == "true" else pytest.skip
    if not CHROMIUM.exists():
        missing("Chromium not found at /usr/bin/chromium (apt-get install -y chromium): browser tests not run")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        missing(f"playwright is not installed ({e}): browser tests not run")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A page that may read file:// only: any other request is recorded and aborted, and the test checks none.

    Parametrise indirectly with True to ignore the site's Content-Security-Policy, so that escaping alone is tested.
    """
    bypass = bool(getattr(request, "param", False))
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True, bypass_csp=bypass)
    attempted: list[str] = []
    errors: list[str] = []

    def guard(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(("file://", "data:", "about:")) else attempted.append(r.url))
    yield pg
    ctx.close()
    assert attempted == [], f"non-file requests were attempted: {attempted}"
    assert errors == [], f"script errors: {errors}"


def _wait(page, js: str, timeout: float = 10.0) -> None:
    """Poll a JS expression from outside the page: wait_for_function compiles strings inside the page, which the
    site's Content-Security-Policy (no eval) forbids."""
    end = time.monotonic() + timeout
    while not page.evaluate(js):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for: {js}")
        page.wait_for_timeout(50)


def _open(page, site: Path, rel: str):
    page.goto((site / rel).as_uri())
    return page


def _labels(page) -> list[str]:
    return page.locator("#board tbody td.model a").all_text_contents()


def _run_dir(site: Path, model: str, run_id: str) -> str:
    return next(p.name for p in (site / "runs").iterdir() if p.name.endswith(run_id))


def test_overview_sorts_and_switches_views(page, site):
    _open(page, site, "index.html")
    page.wait_for_selector("#board tbody tr")
    assert page.locator("#board thead th").first.text_content() == "Rank"
    page.click('#board th[data-key="t:qa"]')
    assert _labels(page) == ["beta", "alpha", f"gamma {XSS_IMG}"]  # 0.8, 0.5, 0.2: highest first
    assert page.locator("#board tbody td.rank").all_text_contents() == ["1", "2", "3"]
    page.click('#board th[data-key="t:qa"]')
    assert _labels(page) == [f"gamma {XSS_IMG}", "alpha", "beta"]
    page.click('#board th[data-key="t:trivia"]')
    assert _labels(page) == [f"gamma {XSS_IMG}", "alpha", "beta"]  # 0.9, 0.52, 0.3
    page.click('#board th[data-key="g:text"]')
    # beta and gamma tie at 0.55 with overlapping CIs; alpha's 0.51 overlaps both too: ranks 1-3 all round.
    assert page.locator("#board tbody td.rank").all_text_contents() == ["1–3", "1–3", "1–3"]
    page.click('#board th[data-key="label"]')
    assert _labels(page)[0] == "alpha"
    page.check("#view-runs")
    assert page.locator("#board tbody tr").count() == 4  # alpha has two runs
    page.uncheck("#show-tasks")
    assert page.locator('#board th[data-key="t:qa"]').count() == 0


def test_every_page_works_offline_from_file_urls(page, site):
    """Each page opens from file:// with the network off, shows its content and makes no other request (the
    fixture fails the test on any non-file request or script error)."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("main h1").count() == 1, path
        if path.parent.parent.name == "runs" and path.name != "index.html":
            page.wait_for_selector(".sample")  # the chunk script loaded from disk


def test_sample_browser_filters_and_pages_through_chunks(page, site):
    run = _run_dir(site, "alpha", "20261125T070000Z-a1")
    _open(page, site, f"runs/{run}/qa.html")
    page.wait_for_selector(".sample")
    assert page.locator(".sample").count() == 20
    for status, n in (("c", 600), ("i", 600), ("e", 1)):
        page.select_option("#filter", status)
        _wait(page, f"(document.querySelector('.sample') || {{dataset: {{}}}}).dataset.status === '{status}'")
        assert set(page.locator(".sample").evaluate_all("els => els.map(e => e.dataset.status)")) == {status}
        assert f"({n} samples)" in page.text_content("#pageinfo")
    assert "boom <script>" in page.text_content(".sample .f-error")
    page.select_option("#filter", "o")
    _wait(page, "(document.querySelector('.sample') || {dataset: {}}).dataset.status === 'o'")
    assert page.locator(".sample .f-response").text_content() == TRICKY
    page.select_option("#filter", "all")
    page.select_option("#pagesize", "100")
    for _ in range(6):  # to samples 601-700: the second chunk file has to load
        page.click("#next")
    _wait(page, "document.querySelector('.sample') && document.querySelector('.sample').dataset.index === '600'")
    idx = page.locator(".sample").evaluate_all("els => els.map(e => +e.dataset.index)")
    assert idx == list(range(600, 700))
    assert page.locator(".sample .f-response").first.text_content() == "answer 600"
    assert page.evaluate("location.hash") == "#filter=all&page=7&size=100"
    page.goto((site / f"runs/{run}/qa.html").as_uri() + "#filter=i&page=2&size=10")  # a shared link
    _wait(page, "(document.querySelector('.sample') || {dataset: {}}).dataset.index === '21'")
    assert page.locator(".sample").count() == 10 and page.input_value("#filter") == "i"


@pytest.mark.parametrize("page", [False, True], ids=["with-csp", "csp-bypassed"], indirect=True)
def test_xss_payloads_render_as_text_and_run_nothing(page, site):
    run = _run_dir(site, "alpha", "20261125T070000Z-a1")
    for rel in ("index.html", "compare.html", "group-text.html", f"runs/{run}/index.html", f"runs/{run}/qa.html",
                f"runs/{run}/speech.html"):
        _open(page, site, rel)
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__xss") == "undefined", rel
    _open(page, site, f"runs/{run}/qa.html")
    page.wait_for_selector(".sample")
    first = page.locator(".sample").first
    assert first.locator(".f-response").text_content() == XSS  # shown exactly, as text
    assert XSS in first.locator("[class^=f-judge]").text_content()
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("img[src='x']").count() == 0 and page.locator(".sample script").count() == 0
    _open(page, site, "index.html")
    page.wait_for_selector("#board tbody tr")
    assert page.locator("#board img").count() == 0 and XSS_IMG in page.text_content("#board")
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_audio_video_and_image_load(page, site):
    run = _run_dir(site, "alpha", "20261125T070000Z-a1")
    _open(page, site, f"runs/{run}/speech.html")
    page.wait_for_selector(".sample audio")
    _wait(page, "document.querySelector('.sample audio').readyState >= 1")
    assert page.evaluate("document.querySelector('.sample audio').duration") == pytest.approx(0.5, abs=0.01)
    assert re.fullmatch(r"\.\./\.\./media/[0-9a-f]{64}\.wav", page.get_attribute(".sample audio", "src"))
    _wait(page, "document.querySelector('.sample img').complete")
    assert page.evaluate("document.querySelector('.sample img').naturalWidth") == 8
    _wait(page, "document.querySelector('.sample video').readyState >= 1")
    assert page.evaluate("document.querySelector('.sample video').videoWidth") == 32


def test_compare_page_shows_paired_tests(page, site):
    _open(page, site, "compare.html")
    page.wait_for_selector("#cmp tbody tr")
    page.select_option("#model-a", label="alpha")
    page.select_option("#model-b", label="beta")
    row = page.locator('#cmp tbody tr[data-task="qa"]')
    cells = row.locator("td").all_text_contents()
    # Shared ids 0..1199: alpha right on even ids, beta on all -> 600 discordant pairs, all for beta.
    assert cells[5] == "1200" and cells[6] == "mcnemar exact" and cells[8] == "B better"
    assert cells[4] == "-0.500"
    page.select_option("#model-a", label="beta")
    page.select_option("#model-b", label="alpha")
    assert page.locator('#cmp tbody tr[data-task="qa"] td').all_text_contents()[8] == "A better"


def _perf_module():
    spec = importlib.util.spec_from_file_location("leaderboard_perf", REPO / "perf" / "leaderboard_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_overview_screenshot(page, tmp_path):
    """Eight models over every group, written to artifacts/ for reviewers (inputs from the perf generator)."""
    _perf_module().make_runs(tmp_path / "runs", 8, 12, 40)
    site = build_site([tmp_path / "runs"], tmp_path / "site")
    _open(page, site, "index.html")
    page.wait_for_selector("#board tbody tr")
    groups = page.locator("#board th.group").evaluate_all("els => els.map(e => e.dataset.key)")
    assert groups == ["g:text", "g:image", "g:audio", "g:video", "g:cross-modal", "g:amu", "g:amg", "g:all_modality"]
    out = REPO / "artifacts" / "leaderboard-overview.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000


def test_network_guard_sees_what_a_page_tries(browser, site):
    """The check the other tests rely on: a request off file:// is seen (and blocked), file:// loads pass."""
    ctx = browser.new_context(offline=True)
    routed, attempted = [], []
    ctx.route("**/*", lambda r: (routed.append(r.request.url), r.continue_() if r.request.url.startswith("file://")
                                 else r.abort()))
    pg = ctx.new_page()
    pg.on("request", lambda r: None if r.url.startswith("file://") else attempted.append(r.url))
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#board tbody tr")
    assert any(u.endswith("assets/overview.js") for u in routed)
    pg.evaluate("new Image().src = 'http://example.invalid/x.png'")
    pg.wait_for_timeout(200)
    ctx.close()
    assert attempted == ["http://example.invalid/x.png"]
