// Package mailout sends mail from a contact mailbox and files a copy in its Sent folder.
//
// Send hands an already composed RFC 5322 message to the mailbox provider's
// SMTP server (submission with the mailbox's authorization code), with the
// envelope sender and recipients given. SaveSent appends the same bytes to
// the mailbox's Sent folder over IMAP, because 163.com and most Chinese
// providers do not file mail sent over SMTP there; InSent tells whether a
// message with a given Message-ID is already in that folder, so that after a
// crash a receipt is not sent twice.
//
// Every call opens its own connection and closes it before returning: the
// volume (a receipt per unit that wrote) does not justify pooling, and a
// fresh connection never carries a half-finished state from a failed call.
//
// Every error these functions return matches exactly one of ErrTemporary
// (4xx replies, network failures, timeouts: try again later) and
// ErrPermanent (5xx replies, refused logins, bad configuration: retrying
// the same thing will fail the same way), with errors.Is. The server's
// reply text is kept in the message, and a *textproto.Error (SMTP) or an
// *imap.Error (IMAP) can be had with errors.As.
package mailout
