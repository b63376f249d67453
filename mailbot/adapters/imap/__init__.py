"""IMAP over IMAPClient: logging in (`connection`), the watched inbox as a
`mailbot.ports.Mailbox` (`mailbox`, waiting for news in `idle`), and looking
for the SMTP sender's sent copy by Message-ID (`sent_copy`)."""
