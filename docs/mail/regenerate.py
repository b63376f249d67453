"""The gallery of every message mailbot sends (issue 11 §10): how to make it again.

    .venv/bin/python docs/mail/regenerate.py            # HTML, manifest and PNGs
    .venv/bin/python docs/mail/regenerate.py --no-png   # HTML and manifest only

renders each message kind from the real templates (with the realistic contexts of
tests/render/samples.py and the shipped routing.yaml), writes `<kind>.html` beside
this file, photographs it with headless Chromium (`/usr/bin/chromium`: Debian's
`chromium` package; `apt-get install chromium`) into `<kind>.png`, and a dark-mode
view of the main kinds into `<kind>-dark.png`. `tests/render/test_gallery.py`
fails when the committed HTML no longer matches what the templates render: look
at the difference, then run this script and look at the pictures.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:      # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from mailbot.adapters.render import DEFAULT_TEMPLATES, Renderer  # noqa: E402
from mailbot.core.config import Config, load_config  # noqa: E402
from mailbot.core.values.mail import Outgoing, Recipient  # noqa: E402

WIDTH = 760
DARK = ("approval_request", "reminder", "form_problems", "weekly_digest")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars")


# what each message is, for the gallery's index (a kind not listed is named by its file)
TITLES = {
    "approval_request": "A manager is asked to approve, return or forward an alert",
    "task_request": "A task for the MIU or another role on an alert",
    "alert_notice": "An alert, or a change to it, for the people told (not asked)",
    "submitter_receipt": "The submitter's receipt: what happens next",
    "submitter_returned": "An alert returned to the submitter with the reasons",
    "form_problems": "The one answer to a form with problems: every problem, and what to do",
    "reminder": "A reminder before a step is due, and the chasers after",
    "deadline_notice": "A statutory deadline: the return interview, a national alert's renewal",
    "reply_refused": "A reply from someone who may not act: nothing changed",
    "reply_question": "An unclear answer from the person asked: how to answer so it counts",
    "duplicate_question": "The same child and category again: an update, or a new alert?",
    "delivery_problem": "The unit is told a message about an alert could not be delivered",
    "national_cascade": "The national missing-child alert to the national custodians",
    "register_task": "A question to the MIU about another council's national alert",
    "weekly_digest": "The weekly digest for the unit: what needs attention, then the figures "
                     "and the trend chart",
    "area_review": "Each Service Manager's weekly review of their area's open alerts",
    "waiting_on_you": "One daily mail listing everything waiting on a person",
    "chasing_stopped": "The unit is told that chasing a step has stopped",
    "calendar_cancel": "A deadline met or cancelled: the calendar entry is withdrawn",
}


def index(kinds_shown: list[str]) -> str:
    lines = ["# Every message mailbot sends", "",
             "Rendered from the real templates by `.venv/bin/python docs/mail/regenerate.py` "
             "(headless Chromium); `tests/render/test_gallery.py` fails when a template changes "
             "and this gallery does not. The child and the people are invented.", ""]
    for kind in kinds_shown:
        title = TITLES.get(kind, kind.replace("_", " ").capitalize())
        dark = f" ([dark mode]({kind}-dark.png))" if kind in DARK else ""
        lines += [f"## {title}", "", f"`{kind}` · [HTML]({kind}.html){dark}", "",
                  f"![{title}]({kind}.png)", ""]
    return "\n".join(lines)


def sample_config() -> Config:
    return load_config(yaml.safe_load((ROOT / "routing.yaml").read_text()), "routing.yaml")


def kinds() -> list[str]:
    from tests.render.samples import contexts

    return sorted(contexts())


def _extras() -> dict[str, Outgoing]:
    """The kinds tests/render/samples.py has no context for, shaped as the core builds them."""
    from tests.render.samples import MIU, REF, outgoing

    cascade = {
        "ref": REF, "kind": "new", "authority": "Kent County Council (example county)",
        "marking": "OFFICIAL-SENSITIVE", "reissue": 0,
        "child": {"name": "Jamie Lee Smith", "dob": "03/04/2011",
                  "legal_status": "Child Protection Plan"},
        "missing_since": "Sun 15 Nov 2026", "found_at": "", "police_ref": "KP-55121",
        "circumstances": "Left the family home with mother; believed to be travelling north.",
        "summary": "Neglect and domestic abuse; the child needs regular medication.",
        "contact": {"name": "Pat South", "title": "Practice Development Officer",
                    "email": "pdo.south@kent.test"}}
    register = {
        "ref": None, "initials": "?", "rule": "R-OLA",
        "reason": "you keep the register of other councils' national alerts.",
        "chaser": 0, "due_at": "2026-11-17T17:00:00+00:00",
        "task": {"title": "please confirm who this notification is about",
                 "lines": ["Highmoor Council wrote on Mon 16 Nov 2026 about a missing child, "
                           "but gave no date of birth.",
                           "It may be the child of register entry OLA-2026-0003."],
                 "entry_ids": ["OLA-2026-0003"],
                 "answers": ["CONFIRM - it is entry OLA-2026-0003",
                             "NEW - it is a different child: open a new entry",
                             "DONE - you have recorded it yourself"]}}
    custodian = Recipient(name="National custodians", email="custodians@alerts.example")
    return {
        "national_cascade": outgoing("alert_notice", purpose="national_cascade", context=cascade,
                                     to=(custodian,), sensitive=True, rule="R-CASCADE"),
        "register_task": outgoing("alert_notice", purpose="register_task", context=register,
                                  to=(MIU,), ref=None, sensitive=False, rule="R-OLA",
                                  reply_token="tok3n-register-0001",
                                  subject="Register question: please confirm an entry"),
    }


def _digest_html(config: Config) -> str:
    spec = importlib.util.spec_from_file_location(
        "sample_digest", ROOT / "docs" / "sample-digest" / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    html: bytes = module.render_sample(config)["weekly-digest.html"]
    return html.decode()


def render_html(config: Config | None = None) -> dict[str, str]:
    """kind -> the HTML part the templates render for its sample, as sent."""
    from tests.render.samples import outgoing

    config = config or sample_config()
    renderer = Renderer(DEFAULT_TEMPLATES, config)
    pages = {kind: renderer.bodies(outgoing(kind))[1] for kind in kinds()}
    pages.update({kind: renderer.bodies(out)[1] for kind, out in _extras().items()})
    pages["weekly_digest"] = _digest_html(config)
    return dict(sorted(pages.items()))


def _viewable(kind: str, html: str) -> str:
    """The HTML as a mail client shows it: the digest's inline chart put in place."""
    if kind == "weekly_digest":
        png = (ROOT / "docs" / "sample-digest" / "weekly-digest.png").read_bytes()
        html = html.replace("cid:weekly-trend.png",
                            "data:image/png;base64," + base64.b64encode(png).decode())
    return html


def photograph(html: str, target: Path, *, dark: bool = False) -> None:
    from PIL import Image, ImageChops

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "mail.html"
        page.write_text(html)
        shot = Path(tmp) / "shot.png"
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--screenshot={shot}",
                 f"--window-size={WIDTH},8000"]
        if dark:
            flags += ["--force-dark-mode", "--enable-features=WebContentsForceDark",
                      "--blink-settings=forceDarkModeEnabled=true"]
        subprocess.run([chromium, *flags, page.as_uri()], check=True, capture_output=True,
                       timeout=60)
        image = Image.open(shot).convert("RGB")
    # trim the empty space below the message
    background = Image.new("RGB", image.size, image.getpixel((WIDTH - 1, image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    if box:
        image = image.crop((0, 0, WIDTH, min(image.height, box[3] + 24)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    target.write_bytes(out.getvalue())


def main(argv: list[str]) -> None:
    pages = render_html()
    for kind, html in pages.items():
        (HERE / f"{kind}.html").write_text(html)
        if "--no-png" not in argv:
            photograph(_viewable(kind, html), HERE / f"{kind}.png")
            if kind in DARK:
                photograph(_viewable(kind, html), HERE / f"{kind}-dark.png", dark=True)
        print(f"{kind}: wrote {kind}.html" + ("" if "--no-png" in argv else " and its picture"))
    (HERE / "README.md").write_text(index(list(pages)))


if __name__ == "__main__":
    main(sys.argv[1:])
