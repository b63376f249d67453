"""A fake Exchange Web Services endpoint: SOAP over HTTP on 127.0.0.1.

It answers the operations the EWS adapter sends through exchangelib
(GetFolder, FindFolder, CreateFolder, FindItem, GetItem, MoveItem, CreateItem)
with bodies shaped like the examples in Microsoft's EWS reference, over the
in-memory `MailStore`. It also serves an OAuth2 token endpoint for the
client-credentials path, and can answer a chosen operation with the throttling
fault Exchange sends (ErrorServerBusy with BackOffMilliseconds).

What it is not: a schema validator, or proof that a real server agrees.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime
from xml.sax.saxutils import escape

from tests.exchange.httpfake import FakeServer, Faults, Reply
from tests.exchange.mailstore import Item, MailFolder, MailStore

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
XML = {"Content-Type": "text/xml; charset=utf-8"}

_HEADER = (
    '<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" '
    f'MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="{T}"/></s:Header>'
)
_TEXT = {
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorFolderExists": "A folder with the specified name already exists.",
    "ErrorToFolderNotFound": "The destination folder does not exist.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
    "ErrorInvalidRestriction": "The restriction is not supported by this fake.",
    "ErrorMimeContentConversionFailed": "Content conversion failed.",
    "ErrorItemCorrupt": "The item is corrupt.",
    "ErrorCorruptData": "The data is corrupt.",
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
}


class EwsError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class FakeEws(FakeServer):
    def __init__(self, store: MailStore | None = None, *, username: str = "svc-mailbot",
                 password: str = "s3cret", client_id: str = "app-id",
                 client_secret: str = "app-secret") -> None:
        super().__init__()
        self.store = store or MailStore()
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: set[str] = set()
        self.impersonated: list[str] = []     # ExchangeImpersonation addresses seen
        self.user_agents: set[str] = set()
        self.created: list[ET.Element] = []   # CreateItem <t:Message> elements, as sent
        self.faults = Faults()
        # Exchange Online since 1 October 2026: EWS answers only application (client)
        # IDs on the tenant's list (Set-OrganizationConfig -EwsAllowedAppIDs, with
        # EWSEnabled); anything else gets HTTP 403. None: no list (Exchange Server).
        self.ews_allowed_app_ids: set[str] | None = None
        # item id -> the per-item error GetItem answers for it (a message Exchange
        # cannot give as MIME: ErrorMimeContentConversionFailed, ErrorItemCorrupt, ...)
        self.unreadable: dict[str, str] = {}
        # the Sent Items copy (and what leaves) gets a Message-ID of Exchange's own
        self.rewrite_message_ids = False
        # item id -> back-offs (ms) GetItem answers for it, one per call, as an
        # ErrorServerBusy response message beside the other items' answers
        self.busy_items: dict[str, list[int]] = {}
        self._token_apps: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return f"{self.url}/EWS/Exchange.asmx"

    @property
    def token_url(self) -> str:
        return f"{self.url}/tenant/oauth2/v2.0/token"

    def throttle(self, operation: str, times: int, back_off_ms: int = 20) -> None:
        """Answer the next `times` calls of `operation` with ErrorServerBusy."""
        self.faults.add(operation, lambda: _busy_fault(back_off_ms), times)

    def busy_item(self, item_id: str, times: int = 1, back_off_ms: int = 20) -> None:
        """The next `times` GetItem calls answer this one item ErrorServerBusy (its own
        response message, with BackOffMilliseconds in its MessageXml); the other items
        of the same call are answered as usual."""
        self.busy_items.setdefault(item_id, []).extend([back_off_ms] * times)

    # -- HTTP -------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if path.endswith("/oauth2/v2.0/token"):
            return self._token(body)
        if not path.lower().startswith("/ews/exchange.asmx"):
            return 404, {}, b""
        self.user_agents.add(headers.get("User-Agent", ""))
        if not self._authorised(headers.get("Authorization", "")):
            return 401, {"WWW-Authenticate": 'Basic realm="fake"'}, b""
        if self.ews_allowed_app_ids is not None:
            app = self._token_apps.get(headers.get("Authorization", "").removeprefix("Bearer "))
            if app not in self.ews_allowed_app_ids:
                self.count("refused_app")
                return 403, {"Content-Type": "text/html"}, b"<html><body>403 Forbidden</body></html>"
        envelope = ET.fromstring(body)
        self._note_impersonation(envelope)
        operation = envelope.find(f"{{{SOAP}}}Body")[0]  # type: ignore[index]
        name = operation.tag.split("}")[1]
        self.count(name)
        fault = self.faults.take(name)
        if fault is not None:
            return fault
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            return 500, XML, _fault("ErrorInvalidRequest", f"{name} is not served by this fake")
        with self.store.lock:
            try:
                messages = handler(operation)
            except EwsError as e:
                messages = [_error(name, e.code)]
        payload = (f'<m:{name}Response xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
                   f'{"".join(messages)}</m:ResponseMessages></m:{name}Response>')
        return 200, XML, _envelope(payload)

    def _authorised(self, header: str) -> bool:
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user == self.username and password == self.password
        if header.startswith("Bearer "):
            return header[7:] in self.tokens
        return False

    def _token(self, body: bytes) -> Reply:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.count("token")
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret):
            return 401, {"Content-Type": "application/json"}, json.dumps(
                {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}).encode()
        token = secrets.token_hex(8)
        self.tokens.add(token)
        self._token_apps[token] = form["client_id"]
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}).encode()

    def _note_impersonation(self, envelope: ET.Element) -> None:
        smtp = envelope.find(f"{{{SOAP}}}Header/{{{T}}}ExchangeImpersonation/"
                             f"{{{T}}}ConnectingSID/{{{T}}}PrimarySmtpAddress")
        if smtp is not None and smtp.text:
            self.impersonated.append(smtp.text)

    # -- folder operations ------------------------------------------------------

    def _resolve(self, elem: ET.Element) -> MailFolder:
        if elem.tag == f"{{{T}}}DistinguishedFolderId":
            address = elem.find(f"{{{T}}}Mailbox/{{{T}}}EmailAddress")
            if address is not None and (address.text or "").lower() != self.store.address:
                raise EwsError("ErrorNonExistentMailbox")
            try:
                return self.store.folder(elem.get("Id", ""))
            except KeyError:
                raise EwsError("ErrorFolderNotFound") from None
        folder = self.store.folders.get(elem.get("Id", ""))
        if folder is None:
            raise EwsError("ErrorFolderNotFound")
        return folder

    def _op_GetFolder(self, op: ET.Element) -> list[str]:
        out = []
        for ref in op.find(f"{{{M}}}FolderIds") or []:
            try:
                folder = self._resolve(ref)
            except EwsError as e:
                out.append(_error("GetFolder", e.code))
                continue
            out.append(_ok("GetFolder", f"<m:Folders>{self._folder_xml(folder)}</m:Folders>"))
        return out

    def _op_FindFolder(self, op: ET.Element) -> list[str]:
        deep = op.get("Traversal") == "Deep"
        restriction = op.find(f"{{{M}}}Restriction")
        out = []
        for ref in op.find(f"{{{M}}}ParentFolderIds") or []:
            try:
                parent = self._resolve(ref)
                found = self._descendants(parent, deep)
                if restriction is not None:
                    found = [f for f in found if _matches(restriction[0], _folder_fields(f))]
            except EwsError as e:
                out.append(_error("FindFolder", e.code))
                continue
            folders = "".join(self._folder_xml(f) for f in found)
            out.append(_ok("FindFolder", (
                f'<m:RootFolder IndexedPagingOffset="{len(found)}" TotalItemsInView="{len(found)}" '
                f'IncludesLastItemInRange="true"><t:Folders>{folders}</t:Folders></m:RootFolder>')))
        return out

    def _descendants(self, parent: MailFolder, deep: bool) -> list[MailFolder]:
        found = []
        for child in self.store.children(parent.id):
            found.append(child)
            if deep:
                found.extend(self._descendants(child, deep))
        return found

    def _op_CreateFolder(self, op: ET.Element) -> list[str]:
        parent_ref = op.find(f"{{{M}}}ParentFolderId")
        assert parent_ref is not None
        parent = self._resolve(parent_ref[0])
        out = []
        for spec in op.find(f"{{{M}}}Folders") or []:
            name = spec.findtext(f"{{{T}}}DisplayName") or ""
            try:
                folder = self.store.create_folder(parent.id, name)
            except FileExistsError:
                out.append(_error("CreateFolder", "ErrorFolderExists"))
                continue
            out.append(_ok("CreateFolder", (
                f'<m:Folders><t:Folder><t:FolderId Id="{folder.id}" ChangeKey="CK1"/></t:Folder>'
                "</m:Folders>")))
        return out

    def _folder_xml(self, folder: MailFolder) -> str:
        unread = sum(1 for i in folder.items.values() if not i.is_read)
        parent = (f'<t:ParentFolderId Id="{folder.parent_id}" ChangeKey="CK1"/>'
                  if folder.parent_id else "")
        klass = f"<t:FolderClass>{folder.folder_class}</t:FolderClass>" if folder.folder_class else ""
        return (f'<t:Folder><t:FolderId Id="{folder.id}" ChangeKey="CK1"/>{parent}{klass}'
                f"<t:DisplayName>{escape(folder.name)}</t:DisplayName>"
                f"<t:TotalCount>{len(folder.items)}</t:TotalCount>"
                f"<t:ChildFolderCount>{len(self.store.children(folder.id))}</t:ChildFolderCount>"
                f"<t:UnreadCount>{unread}</t:UnreadCount></t:Folder>")

    # -- item operations --------------------------------------------------------

    def _op_FindItem(self, op: ET.Element) -> list[str]:
        view = op.find(f"{{{M}}}IndexedPageItemView")
        restriction = op.find(f"{{{M}}}Restriction")
        order = op.find(f"{{{M}}}SortOrder/{{{T}}}FieldOrder")
        out = []
        for ref in op.find(f"{{{M}}}ParentFolderIds") or []:
            try:
                folder = self._resolve(ref)
                items = list(folder.items.values())
                if restriction is not None:
                    items = [i for i in items if _matches(restriction[0], _item_fields(i))]
            except EwsError as e:
                out.append(_error("FindItem", e.code))
                continue
            items.sort(key=lambda i: i.received,
                       reverse=order is not None and order.get("Order") == "Descending")
            offset = int(view.get("Offset", "0")) if view is not None else 0
            size = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
            page = items[offset:offset + size]
            last = offset + len(page) >= len(items)
            body = "".join(_item_xml(i, mime=False) for i in page)
            out.append(_ok("FindItem", (
                f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
                f'TotalItemsInView="{len(items)}" IncludesLastItemInRange="{str(last).lower()}">'
                f"<t:Items>{body}</t:Items></m:RootFolder>")))
        return out

    def _op_GetItem(self, op: ET.Element) -> list[str]:
        wanted = {f.get("FieldURI") for f in op.iter(f"{{{T}}}FieldURI")}
        out = []
        for ref in op.find(f"{{{M}}}ItemIds") or []:
            found = self.store.locate(ref.get("Id", ""))
            if found is None:
                out.append(_error("GetItem", "ErrorItemNotFound"))
                continue
            if found[1].id in self.unreadable:   # one item's error; the others are answered
                out.append(_error("GetItem", self.unreadable[found[1].id]))
                continue
            if self.busy_items.get(found[1].id):
                back_off = self.busy_items[found[1].id].pop(0)
                out.append(_error("GetItem", "ErrorServerBusy", (
                    f'<m:MessageXml><t:Value Name="BackOffMilliseconds">{back_off}</t:Value>'
                    "</m:MessageXml>")))
                continue
            xml = _item_xml(found[1], mime="item:MimeContent" in wanted)
            out.append(_ok("GetItem", f"<m:Items>{xml}</m:Items>"))
        return out

    def _op_MoveItem(self, op: ET.Element) -> list[str]:
        target_ref = op.find(f"{{{M}}}ToFolderId")
        assert target_ref is not None
        try:
            target = self._resolve(target_ref[0])
        except EwsError:
            raise EwsError("ErrorToFolderNotFound") from None
        out = []
        for ref in op.find(f"{{{M}}}ItemIds") or []:
            item = self.store.move(ref.get("Id", ""), target.id, new_id=True)
            if item is None:
                out.append(_error("MoveItem", "ErrorItemNotFound"))
                continue
            out.append(_ok("MoveItem", (
                f'<m:Items><t:Message><t:ItemId Id="{item.id}" ChangeKey="{item.changekey}"/>'
                "</t:Message></m:Items>")))
        return out

    def _op_CreateItem(self, op: ET.Element) -> list[str]:
        disposition = op.get("MessageDisposition")
        out = []
        for message in op.find(f"{{{M}}}Items") or []:
            self.created.append(message)
            mime = base64.b64decode(message.findtext(f"{{{T}}}MimeContent") or "")
            if self.rewrite_message_ids:   # MS-OXCMAIL: a server may give its own
                mime = re.sub(rb"(?im)^Message-ID:[^\r\n]*",
                              f"Message-ID: <{secrets.token_hex(8)}@exchange.example>".encode(),
                              mime, count=1)
            if disposition in ("SendOnly", "SendAndSaveCopy"):
                self.store.sent.append(mime)
            if disposition == "SendAndSaveCopy":
                self.store.deliver(mime, "sentitems")
            elif disposition == "SaveOnly":
                self.store.deliver(mime, "drafts")
            out.append(_ok("CreateItem", "<m:Items/>"))
        return out


# -- XML helpers ----------------------------------------------------------------


def _envelope(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}">{_HEADER}'
            f"<s:Body>{body}</s:Body></s:Envelope>").encode()


def _ok(operation: str, inner: str) -> str:
    return (f'<m:{operation}ResponseMessage ResponseClass="Success">'
            f"<m:ResponseCode>NoError</m:ResponseCode>{inner}</m:{operation}ResponseMessage>")


def _error(operation: str, code: str, message_xml: str = "") -> str:
    return (f'<m:{operation}ResponseMessage ResponseClass="Error">'
            f"<m:MessageText>{_TEXT.get(code, code)}</m:MessageText>"
            f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
            f"{message_xml}</m:{operation}ResponseMessage>")


def _fault(code: str, text: str, detail: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault>'
            f'<faultcode xmlns:a="{T}">a:{code}</faultcode>'
            f'<faultstring xml:lang="en-US">{escape(text)}</faultstring><detail>'
            f'<e:ResponseCode xmlns:e="{E}">{code}</e:ResponseCode>'
            f'<e:Message xmlns:e="{E}">{escape(text)}</e:Message>{detail}'
            "</detail></s:Fault></s:Body></s:Envelope>").encode()


def _busy_fault(back_off_ms: int) -> Reply:
    """The throttling fault as Microsoft documents it (EWS throttling in Exchange)."""
    detail = (f'<t:MessageXml xmlns:t="{T}"><t:Value Name="BackOffMilliseconds">{back_off_ms}'
              "</t:Value></t:MessageXml>")
    return 500, XML, _fault(
        "ErrorServerBusy", "The server cannot service this request right now. Try again later.",
        detail)


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_xml(item: Item, *, mime: bool) -> str:
    content = (f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(item.mime).decode()}'
               "</t:MimeContent>" if mime else "")
    return (f'<t:Message>{content}<t:ItemId Id="{item.id}" ChangeKey="{item.changekey}"/>'
            f"<t:ItemClass>{escape(item.item_class)}</t:ItemClass>"
            f"<t:Subject>{escape(item.subject)}</t:Subject>"
            f"<t:DateTimeReceived>{_when(item.received)}</t:DateTimeReceived>"
            f"<t:InternetMessageId>{escape(item.message_id)}</t:InternetMessageId>"
            f"<t:IsRead>{str(item.is_read).lower()}</t:IsRead></t:Message>")


def _folder_fields(folder: MailFolder) -> dict[str, str]:
    return {"folder:DisplayName": folder.name, "folder:FolderClass": folder.folder_class}


def _item_fields(item: Item) -> dict[str, str]:
    """What a restriction can name: three fields, and each internet header as Exchange
    keeps it, a named property in PS_INTERNET_HEADERS (`header:<lower-case name>`)."""
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(item.mime)
    headers = {f"header:{k.lower()}": str(v).strip() for k, v in head.items()}
    return {**headers, "message:InternetMessageId": item.message_id,
            "item:ItemClass": item.item_class, "item:Subject": item.subject}


def _matches(rule: ET.Element, fields: dict[str, str]) -> bool:
    """The restrictions exchangelib sends for the adapter: IsEqualTo, And, Or, Not."""
    kind = rule.tag.split("}")[1]
    if kind == "And":
        return all(_matches(r, fields) for r in rule)
    if kind == "Or":
        return any(_matches(r, fields) for r in rule)
    if kind == "Not":
        return not _matches(rule[0], fields)
    if kind == "IsEqualTo":
        uri = rule.find(f"{{{T}}}FieldURI")
        constant = rule.find(f"{{{T}}}FieldURIOrConstant/{{{T}}}Constant")
        extended = rule.find(f"{{{T}}}ExtendedFieldURI")
        if extended is not None and constant is not None:
            if extended.get("DistinguishedPropertySetId") != "InternetHeaders":
                raise EwsError("ErrorInvalidRestriction")
            name = f"header:{(extended.get('PropertyName') or '').lower()}"
            return fields.get(name, "").lower() == (constant.get("Value") or "").lower()
        if uri is None or constant is None or uri.get("FieldURI") not in fields:
            raise EwsError("ErrorInvalidRestriction")
        return fields[uri.get("FieldURI", "")].lower() == (constant.get("Value") or "").lower()
    raise EwsError("ErrorInvalidRestriction")

