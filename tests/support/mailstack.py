"""A real Dovecot (IMAP + LMTP) and Postfix (SMTP) stack on loopback, for tests.

Every hop is the real protocol: a test sends by SMTP to Postfix, Postfix hands
each `@kent.test` recipient to Dovecot over LMTP, and the test (or the adapter
under test) reads the mailbox over IMAP. Any address at kent.test exists, with
the password "secret". Both servers run unprivileged (nobody / postfix) on free
loopback ports inside a private temporary folder, so runs never collide.

Extras the tests lean on:
- `user+Folder@kent.test` is delivered into `user`'s folder "Folder" when that
  folder exists (every user has "Sent"): this is how a sent-copy address lands in
  "Sent"; any other detail, such as the bot's reply tokens (`bot+TOKEN@`), is
  delivered to the INBOX, as a mail server for the bot must do;
- recipients starting `gone-` are accepted, then bounced by Postfix itself (a
  real delivery status notification to the envelope sender);
- recipients starting `rejected-` are refused 550, `tempfail-` refused 450;
- STARTTLS (IMAP and SMTP) and implicit TLS (`imaps_port`, `smtps_port`) with a
  throwaway self-signed certificate: `ssl_context()` trusts it;
- SMTP AUTH (PLAIN, LOGIN, XOAUTH2) through Dovecot's auth service; since the
  passdb checks whatever is offered as a password, the XOAUTH2 token "secret"
  is accepted too (IMAP as well).

See docs/imap-smtp.md; needs root (Dovecot and Postfix drop to their own users).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

DOMAIN = "kent.test"
PASSWORD = "secret"
BINARIES = ("dovecot", "doveadm", "postfix")
ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-mailstack"

_DOVECOT_CONF = """\
instance_name = mailbot_test_{imap}
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/tls/cert.pem
ssl_key = <{dir}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_username_format = %Lu
auth_failure_delay = 0
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
mail_location = maildir:~/Maildir
default_internal_user = nobody
default_login_user = nobody
default_internal_group = nogroup
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
# only into folders that exist: reply tokens (bot+TOKEN@) must reach the INBOX
lda_mailbox_autocreate = no
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    auto = create
    special_use = \\Sent
  }}
}}
lda_mailbox_autosubscribe = yes
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/home/%u
}}
passdb {{
  driver = static
  args = password={password} nodelay=yes
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
  chroot =
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service auth {{
  inet_listener auth {{
    address = 127.0.0.1
    port = {auth}
  }}
}}
service anvil {{
  chroot =
  # no growing login delay for 127.0.0.1 after a test's deliberate bad password
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

_POSTFIX_MAIN = """\
compatibility_level = 3.6
queue_directory = {dir}/pfq
data_directory = {dir}/pfdata
mail_owner = postfix
myhostname = mail.{domain}
mydomain = {domain}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
# gone-*: accepted, then bounced with a real DSN (smtpd must not refuse them early)
transport_maps = regexp:{dir}/transport
smtpd_reject_unlisted_recipient = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject
smtpd_recipient_restrictions = check_recipient_access regexp:{dir}/recipient_access
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth}
smtpd_tls_cert_file = {dir}/tls/cert.pem
smtpd_tls_key_file = {dir}/tls/key.pem
smtpd_tls_security_level = may
maillog_file = /dev/stdout
alias_maps =
alias_database =
biff = no
# a delivery deferred while Dovecot restarts is retried within seconds
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""

_RECIPIENT_ACCESS = """\
/^rejected-/  550 5.1.1 no such mailbox here
/^tempfail-/  450 4.2.0 mailbox busy, try later
"""

_TRANSPORT = """\
/^gone-/  error:5.1.1 this person has left; mail to them is not delivered
"""


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different free ports: each held until all are chosen (one at a time, the
    kernel may give the same port twice, and two of the stack's servers then fought
    for it: postfix answered TLS on its plain port, a flaky start)."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket()
            held.append(s)
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in held]
    finally:
        for s in held:
            s.close()


def unavailable_reason() -> str | None:
    """Why the stack cannot run here, or None if it can."""
    missing = [b for b in BINARIES if shutil.which(b, path=_PATH) is None]
    if missing:
        return f"{', '.join(missing)} not installed (scripts/install-mailstack installs them)"
    if os.geteuid() != 0:
        return "the mail stack needs root (Dovecot and Postfix drop to their own users)"
    return None


_POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


class MailStack:
    """Start with `start()` (or `with MailStack() as stack:`), stop with `stop()`."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mailbot-mailstack-"))
        self.dir.chmod(0o755)  # Dovecot and Postfix run as other users
        (self.imap_port, self.imaps_port, self.lmtp_port, self.auth_port, self.smtp_port,
         self.smtps_port) = free_ports(6)
        self.host = "127.0.0.1"
        self._dovecot: subprocess.Popen[bytes] | None = None
        self._postfix: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self.started_in = 0.0

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> MailStack:
        began = time.monotonic()
        self._write_config()
        self.start_imap()
        self.start_smtp()
        self.started_in = time.monotonic() - began
        return self

    def stop(self, *, keep: bool = False) -> None:
        self.stop_smtp()
        self.stop_imap()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> MailStack:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def imap_running(self) -> bool:
        return self._dovecot is not None

    @property
    def smtp_running(self) -> bool:
        return self._postfix is not None

    def start_imap(self) -> None:
        """Dovecot: IMAP, LMTP and the auth service Postfix asks."""
        log = (self.dir / "dovecot.out").open("ab")
        self._dovecot = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=self._env())
        log.close()
        for port in (self.imap_port, self.lmtp_port, self.auth_port):
            self._wait_for(port, b"", "dovecot", self._dovecot)
        self._wait_for(self.imap_port, b"* OK", "dovecot", self._dovecot)

    def stop_imap(self) -> None:
        if self._dovecot is None:
            return
        # The whole process group at once, as a system shutdown would: the
        # master alone waits a second for its children to notice.
        os.killpg(self._dovecot.pid, signal.SIGTERM)
        try:
            self._dovecot.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self._dovecot.pid, signal.SIGKILL)
            self._dovecot.wait(5)
        self._dovecot = None
        self._wait_closed(self.imap_port)

    def restart_imap(self) -> None:
        """Stop Dovecot (dropping every IMAP connection) and start it again."""
        self.stop_imap()
        self.start_imap()

    def start_smtp(self) -> None:
        """Postfix's master daemon, run directly in the foreground: the `postfix`
        command adds 1.5 s of retries looking for a log service that is not up
        yet, and its integrity check 2 s of `find` over a queue we made ourselves."""
        log = (self.dir / "postfix.log").open("ab")
        self._postfix = subprocess.Popen(
            [_POSTFIX_MASTER, "-c", str(self.dir / "postfix"), "-s"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=self._env())
        log.close()
        self._wait_for(self.smtp_port, b"220", "postfix", self._postfix)

    def stop_smtp(self) -> None:
        if self._postfix is None:
            return
        self._postfix.terminate()  # the master stops its children itself
        try:
            self._postfix.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self._postfix.pid, signal.SIGKILL)
            self._postfix.wait(5)
        self._postfix = None
        self._wait_closed(self.smtp_port)

    # -- helpers for tests ---------------------------------------------------------

    def new_address(self, prefix: str = "user") -> str:
        """A mailbox no other test in this run uses."""
        return f"{prefix}-{next(self._names)}-{os.getpid()}@{DOMAIN}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.dir / "tls" / "cert.pem"))

    def deliver(self, raw: bytes, to: str | Sequence[str],
                sender: str = f"tester@{DOMAIN}") -> None:
        """Hand a message to Postfix by SMTP; delivery to Dovecot follows shortly."""
        rcpts = [to] if isinstance(to, str) else list(to)
        with smtplib.SMTP(self.host, self.smtp_port, timeout=10) as smtp:
            smtp.sendmail(sender, rcpts, raw)

    def imap_client(self, user: str) -> IMAPClient:
        client = IMAPClient(self.host, self.imap_port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def mailbox_messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Every message in the folder, in UID order, read without marking it
        (an absent folder is empty)."""
        client = self.imap_client(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            data = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
            return [data[u][b"BODY[]"] for u in uids if u in data]
        finally:
            client.logout()

    def wait_for_messages(self, user: str, count: int, folder: str = "INBOX",
                          timeout: float = 10.0) -> list[bytes]:
        """Poll until Postfix has delivered `count` messages (it is asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.mailbox_messages(user, folder)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(["doveadm", "-c", str(self.dir / "dovecot.conf"), *args],
                              capture_output=True, text=True, env=self._env(), check=False)
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def logs(self) -> str:
        """Both servers' logs, for a failing test's message."""
        parts = []
        for name in ("dovecot.log", "dovecot.out", "postfix.log"):
            path = self.dir / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    # -- internals ---------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {**os.environ, "PATH": _PATH}

    def _write_config(self) -> None:
        d = self.dir
        for sub in ("run", "state", "home", "tls", "postfix", "pfq"):
            (d / sub).mkdir()
        self._make_queue()
        shutil.chown(d / "home", "nobody", "nogroup")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(d / "tls" / "key.pem"), "-out", str(d / "tls" / "cert.pem")],
            check=True, capture_output=True)
        (d / "tls" / "key.pem").chmod(0o644)  # a throwaway key; the daemons read it
        ports = {"imap": self.imap_port, "imaps": self.imaps_port, "lmtp": self.lmtp_port,
                 "auth": self.auth_port}
        (d / "dovecot.conf").write_text(_DOVECOT_CONF.format(dir=d, password=PASSWORD, **ports))
        (d / "postfix" / "main.cf").write_text(
            _POSTFIX_MAIN.format(dir=d, domain=DOMAIN, lmtp=self.lmtp_port, auth=self.auth_port))
        (d / "recipient_access").write_text(_RECIPIENT_ACCESS)
        (d / "transport").write_text(_TRANSPORT)
        (d / "postfix" / "master.cf").write_text(self._master_cf())
        # Postfix re-reads a table written within the last second until it
        # looks settled (300 ms naps, 2 s in all): date ours in the past.
        past = time.time() - 60
        for path in (d / "postfix" / "main.cf", d / "postfix" / "master.cf",
                     d / "recipient_access", d / "transport"):
            os.utime(path, (past, past))

    def _make_queue(self) -> None:
        """The folders `postfix check` would create, with the owners it wants."""
        d = self.dir
        (d / "pfdata").mkdir(mode=0o700)
        shutil.chown(d / "pfdata", "postfix")
        (d / "pfq" / "pid").mkdir(mode=0o755)
        for name in ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold",
                     "incoming", "private", "saved", "trace"):
            (d / "pfq" / name).mkdir(mode=0o700)
            shutil.chown(d / "pfq" / name, "postfix")
        for name, mode in (("maildrop", 0o730), ("public", 0o710)):
            (d / "pfq" / name).mkdir()
            (d / "pfq" / name).chmod(mode)
            shutil.chown(d / "pfq" / name, "postfix", "postdrop")

    def _master_cf(self) -> str:
        """The system's master.cf, nothing chrooted, smtpd on our own ports."""
        lines = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if line[:1] in ("", "#", " ", "\t") or len(fields) < 8:
                lines.append(line)
            elif fields[:2] == ["smtp", "inet"]:
                continue
            else:
                fields[4] = "n"  # chroot: the queue folder holds no resolv.conf etc.
                lines.append("  ".join(fields))
        lines.append(f"127.0.0.1:{self.smtp_port} inet n - n - - smtpd")
        lines.append(f"127.0.0.1:{self.smtps_port} inet n - n - - smtpd"
                     " -o smtpd_tls_wrappermode=yes")
        return "\n".join(lines) + "\n"

    def _wait_for(self, port: int, greeting: bytes, what: str,
                  proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}):\n{self.logs()}")
            try:
                with socket.create_connection((self.host, port), timeout=2) as s:
                    if not greeting or s.recv(64).startswith(greeting):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{what} did not answer on port {port}:\n{self.logs()}")

    def _wait_closed(self, port: int) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, port), timeout=1).close()
            except OSError:
                return
            time.sleep(0.02)
