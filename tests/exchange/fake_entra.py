"""A fake Microsoft Entra ID token service over HTTPS on 127.0.0.1, for msal.

msal insists on an https authority with a tenant in its path, reads the
tenant's OpenID configuration from `<authority>/v2.0/.well-known/openid-configuration`
and then posts the client-credentials grant to the `token_endpoint` it names.
This fake answers both, with a throwaway self-signed certificate for 127.0.0.1
(`cert_file`: point REQUESTS_CA_BUNDLE at it so msal's requests trusts it), and
hands out the token the fake Graph accepts.

With it a Graph mailbox configured exactly as routing.yaml writes one (client
secret, `authority:`) runs against the fakes, msal and all, which is what the
`mailbot once` subprocess and `mailbot check-mailbox` tests need.

What it is not: Entra. It checks the client id and secret and the grant type,
nothing else (no certificates, no assertions, no scopes).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import tempfile
from pathlib import Path
from urllib.parse import parse_qs

from tests.exchange.httpfake import FakeServer, Reply

JSON = {"Content-Type": "application/json"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid for a day: (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class FakeEntra(FakeServer):
    def __init__(self, *, access_token: str, tenant: str = "kent", client_id: str = "app-id",
                 client_secret: str = "app-secret") -> None:
        super().__init__()
        self.access_token, self.tenant = access_token, tenant
        self.client_id, self.client_secret = client_id, client_secret
        self._dir = tempfile.TemporaryDirectory(prefix="mailbot-fake-entra-")
        self.cert_file, key_file = self_signed(Path(self._dir.name))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, key_file)
        self.tls = context

    @property
    def authority(self) -> str:
        """What routing.yaml's `authority:` says."""
        return f"{self.url}/{self.tenant}"

    def stop(self) -> None:
        super().stop()
        self._dir.cleanup()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        base = f"/{self.tenant}"
        if method == "GET" and path == f"{base}/v2.0/.well-known/openid-configuration":
            self.count("openid_configuration")
            issuer = f"{self.url}/{self.tenant}/v2.0"
            return 200, JSON, json.dumps({
                "issuer": issuer, "token_endpoint": f"{self.url}{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{self.url}{base}/oauth2/v2.0/authorize",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }).encode()
        if method == "POST" and path == f"{base}/oauth2/v2.0/token":
            self.count("token")
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id \
                    or form.get("client_secret") != self.client_secret:
                return 401, JSON, json.dumps({
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided."}).encode()
            return 200, JSON, json.dumps({"token_type": "Bearer", "expires_in": 3599,
                                          "access_token": self.access_token}).encode()
        return 404, JSON, json.dumps({"error": "not_found", "error_description": path}).encode()
