"""Checks on the time zone and on where mail comes from and goes out (R-CONF, issue 14 §2).

`mailboxes:` and `sender:` are free-form mappings (each backend has keys of its
own), so pydantic cannot check them; these checks do, from the table below of
every backend's keys, so that `check-config` refuses what `once` would fail on:
an unknown backend, a setting missing, misspelt or of the wrong type, a secret
written into the file, an unusable folder name. Whether each secret reference
resolves needs the environment: `mailbot.service.preflight` checks that.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.core.config.base import EMAIL
from mailbot.core.config.checks.check import check
from mailbot.core.config.model import Config
from mailbot.core.durations import parse_duration

SECRET_SCHEMES = ("env:", "file:", "cmd:")
TEXT, PORT, SECONDS, COUNT, FLAG, SECRET, FOLDER, ADDRESS = (
    "text", "port", "seconds", "count", "flag", "secret", "folder", "address")
FOLDERS = "folders"          # ews / graph: {processed, needs_attention, rejected: name}
FOLDER_LIST = "folder list"  # sent_copy.folders: [name, ...]
SENT_COPY = "sent copy"      # smtp: the IMAP login that reads the sent copy
DURATION = "duration"        # sender.resend_grace
FILE_REF = "file reference"  # graph: certificate: file:/path.pem


@dataclass(frozen=True)
class Backend:
    """One backend's keys (each with its kind of value), those it cannot do without,
    and the fixed choices some keys take."""

    keys: Mapping[str, str]
    required: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_IMAP_LOGIN = {"address": ADDRESS, "host": TEXT, "port": PORT, "username": TEXT,
               "password": SECRET, "oauth_token": SECRET, "security": TEXT, "timeout": SECONDS}
_SECURITY = {"security": ("starttls", "tls", "none")}
_EWS = {"address": ADDRESS, "service_endpoint": TEXT, "auth": TEXT, "username": TEXT,
        "password": SECRET, "client_id": TEXT, "client_secret": SECRET, "tenant_id": TEXT,
        "access_type": TEXT, "token_url": TEXT, "scope": TEXT, "max_wait": SECONDS}
_EWS_CHOICES = {"auth": ("oauth", "ntlm", "basic"), "access_type": ("delegate", "impersonation")}
_GRAPH = {"address": ADDRESS, "tenant_id": TEXT, "client_id": TEXT, "client_secret": SECRET,
          "certificate": FILE_REF, "thumbprint": TEXT, "base_url": TEXT, "authority": TEXT,
          "max_concurrency": COUNT}
_SENDING = {"resend_grace": DURATION}

MAILBOX_BACKENDS: dict[str, Backend] = {
    "maildir": Backend({"address": ADDRESS, "path": TEXT}),
    "imap": Backend({**_IMAP_LOGIN, "folder": FOLDER, "processed": FOLDER,
                     "needs_attention": FOLDER, "rejected": FOLDER, "idle": FLAG,
                     "rescan_every": SECONDS, "use_move": FLAG, "batch_size": COUNT,
                     "idle_renew": SECONDS}, ("host", "port", "username"), _SECURITY),
    "ews": Backend({**_EWS, "folders": FOLDERS}, ("address", "service_endpoint", "auth"),
                   _EWS_CHOICES),
    "graph": Backend({**_GRAPH, "folders": FOLDERS}, ("address", "tenant_id", "client_id")),
}
SENDER_BACKENDS: dict[str, Backend] = {
    "file": Backend({"address": ADDRESS, "path": TEXT, **_SENDING}),
    "smtp": Backend({**_IMAP_LOGIN, "sent_copy": SENT_COPY, "envelope_from": ADDRESS,
                     "local_hostname": TEXT, **_SENDING}, ("host", "port"), _SECURITY),
    "ews": Backend({**_EWS, **_SENDING}, ("address", "service_endpoint", "auth"), _EWS_CHOICES),
    "graph": Backend({**_GRAPH, **_SENDING}, ("address", "tenant_id", "client_id")),
}
SENT_COPY_LOGIN = Backend({**_IMAP_LOGIN, "folders": FOLDER_LIST},
                          ("address", "host", "port", "username"), _SECURITY)
DEFAULT_MAILBOX, DEFAULT_SENDER = "maildir", "file"
_FOLDER_KEYS = ("processed", "needs_attention", "rejected")


def mail_entries(config: Config) -> Iterator[tuple[str, Mapping[str, Any], Backend | None]]:
    """(key path, settings, backend or None if unknown) for each mailbox, the sender,
    and the sender's sent-copy login."""
    for name, spec in config.mailboxes.items():
        yield (f"mailboxes.{name}", spec,
               MAILBOX_BACKENDS.get(str(spec.get("backend", DEFAULT_MAILBOX))))
    sender = config.sender
    yield "sender", sender, SENDER_BACKENDS.get(str(sender.get("backend", DEFAULT_SENDER)))
    copy = sender.get("sent_copy")
    if sender.get("backend") == "smtp" and isinstance(copy, Mapping):
        yield "sender.sent_copy", copy, SENT_COPY_LOGIN


def secret_settings(config: Config) -> Iterator[tuple[str, str, str]]:
    """(key path, key, reference) of every secret routing.yaml names, for the checks
    that resolve them (mailbot.service.preflight)."""
    for where, spec, backend in mail_entries(config):
        if backend is None:
            continue
        for key, kind in backend.keys.items():
            value = spec.get(key)
            if kind in (SECRET, FILE_REF) and isinstance(value, str) and value:
                yield where, key, value


@check("the time zone is known",
       "every deadline, working day and digest week is counted in the council's time zone")
def the_time_zone_is_known(config: Config) -> Iterator[str]:
    name = config.organisation.timezone
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        yield (f"organisation.timezone: {name!r} is not a time zone name "
               "(as the IANA database spells it, e.g. Europe/London)")


@check("mail backends are known",
       "each mailbox is read, and mail is sent, by the backend named: a typo would stop the bot")
def mail_backends_are_known(config: Config) -> Iterator[str]:
    for name, spec in config.mailboxes.items():
        backend = spec.get("backend", DEFAULT_MAILBOX)
        if backend not in MAILBOX_BACKENDS:
            yield (f"mailboxes.{name}.backend: unknown backend {backend!r} "
                   f"(one of {', '.join(MAILBOX_BACKENDS)})")
    backend = config.sender.get("backend", DEFAULT_SENDER)
    if backend not in SENDER_BACKENDS:
        yield f"sender.backend: unknown backend {backend!r} (one of {', '.join(SENDER_BACKENDS)})"


@check("each mail backend has the settings it needs",
       "a setting missing, misspelt or of the wrong kind would stop the bot at the first "
       "connection instead of at start")
def each_mail_backend_has_its_settings(config: Config) -> Iterator[str]:
    for where, spec, backend in mail_entries(config):
        if backend is None:
            continue
        name = str(spec.get("backend", "")) or "this backend"
        for key in backend.required:
            if spec.get(key) in (None, ""):
                yield f"{where}.{key}: is missing"
        for key, value in spec.items():
            if key == "backend" and where != "sender.sent_copy":
                continue
            kind = backend.keys.get(key)
            if kind is None:
                yield f"{where}.{key}: is not a known key for backend {name}"
                continue
            wrong = _wrong_value(kind, value, backend.choices.get(key))
            if wrong:
                yield f"{where}.{key}: {wrong}"
        yield from _rules(where, spec, name)


@check("secrets are named, never written in",
       "routing.yaml is read by many and kept in version control: a password in it is public")
def secrets_are_named_never_written_in(config: Config) -> Iterator[str]:
    for where, spec, backend in mail_entries(config):
        for key, kind in (backend.keys.items() if backend else ()):
            value = spec.get(key)
            if kind == SECRET and isinstance(value, str) and value \
                    and not value.startswith(SECRET_SCHEMES):
                yield (f"{where}.{key}: give where the secret lives (env:NAME, file:/path or "
                       "cmd:COMMAND), never the secret itself")
            if kind == FILE_REF and isinstance(value, str) and not value.startswith("file:"):
                yield f"{where}.{key}: give the certificate as file:/path/to/key.pem"


@check("folder names are usable",
       "handled mail is moved to these folders; an empty name, or two roles in one folder, "
       "would lose it or read it again")
def folder_names_are_usable(config: Config) -> Iterator[str]:
    for where, spec, backend in mail_entries(config):
        if backend is None:
            continue
        if "processed" in backend.keys:   # imap: the watched folder and the three targets
            names = {k: spec.get(k, d) for k, d in (("folder", "INBOX"), ("processed", "Processed"),
                                                    ("needs_attention", "Needs-Attention"),
                                                    ("rejected", "Rejected"))}
            yield from _distinct(where, names, "")
        folders = spec.get("folders")
        if backend.keys.get("folders") == FOLDERS and folders is not None:
            if not isinstance(folders, Mapping) or set(folders) - set(_FOLDER_KEYS):
                yield (f"{where}.folders: a mapping of processed / needs_attention / rejected "
                       "to folder names")
            else:
                yield from _distinct(where, dict(folders), "folders.")
        if backend.keys.get("folders") == FOLDER_LIST and folders is not None and (
                not isinstance(folders, list) or not folders
                or any(not isinstance(f, str) or not f.strip() for f in folders)):
            yield f"{where}.folders: a list of folder names, e.g. [Sent]"


def _distinct(where: str, names: Mapping[str, Any], prefix: str) -> Iterator[str]:
    seen: dict[str, str] = {}
    for key, name in names.items():
        if not isinstance(name, str) or not name.strip() or any(c in name for c in "\r\n"):
            yield f"{where}.{prefix}{key}: {name!r} is not a folder name"
            continue
        if name.lower() in seen:
            yield (f"{where}.{prefix}{key}: {name!r} is also {where}.{prefix}{seen[name.lower()]}; "
                   "each needs a folder of its own")
        seen[name.lower()] = key


def _wrong_value(kind: str, value: Any, choices: tuple[str, ...] | None) -> str:
    """Why `value` is not a `kind`; "" when it is."""
    if choices is not None and value not in choices:
        return f"{value!r} is not one of {', '.join(choices)}"
    if kind == PORT:
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 65536:
            return f"{value!r} is not a port number (1 to 65535)"
    elif kind in (SECONDS, COUNT):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 or \
                (kind == COUNT and not isinstance(value, int)):
            what = "a whole number" if kind == COUNT else "a number of seconds"
            return f"{value!r} is not {what} above 0"
    elif kind == FLAG:
        if not isinstance(value, bool):
            return f"{value!r} is not true or false"
    elif kind == ADDRESS:
        if not isinstance(value, str) or not EMAIL.match(value):
            return f"{value!r} is not an email address"
    elif kind == DURATION:
        try:
            grace = parse_duration(value)
        except (ValueError, TypeError) as e:
            return str(e)
        if grace.months or grace.fixed.total_seconds() < 0:
            return "give minutes or hours, e.g. 2m"
    elif kind == SENT_COPY:
        if not isinstance(value, Mapping):
            return "a mapping: the address of the sent copy and the IMAP login that reads it"
    elif kind in (TEXT, SECRET, FOLDER, FILE_REF) and not isinstance(value, str):
        return f"{value!r} is not text"
    return ""


def _rules(where: str, spec: Mapping[str, Any], backend: str) -> Iterator[str]:
    """What a backend needs beyond its required keys, by how it logs in."""
    given = {k for k, v in spec.items() if v not in (None, "")}
    logs_in = backend == "imap" or where == "sender.sent_copy"
    if logs_in and not given & {"password", "oauth_token"}:
        yield f"{where}: give password or oauth_token"
    if backend == "ews":
        auth = spec.get("auth")
        if auth == "oauth" and not ({"client_id", "client_secret"} <= given
                                    and given & {"tenant_id", "token_url"}):
            yield f"{where}: auth oauth needs client_id, client_secret and tenant_id"
        if auth in ("ntlm", "basic") and not {"username", "password"} <= given:
            yield f"{where}: auth {auth} needs username and password"
    if backend == "graph":
        secret, certificate = "client_secret" in given, "certificate" in given
        if ("thumbprint" in given) != certificate or secret == certificate:
            yield f"{where}: give client_secret, or certificate (file:/path.pem) and thumbprint"
