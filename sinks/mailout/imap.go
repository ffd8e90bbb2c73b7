package mailout

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAP says how to log in to a mailbox over IMAP.
type IMAP struct {
	Host string
	Port int
	// TLS is TLSImplicit, TLSStartTLS or TLSNone (loopback hosts only).
	TLS string
	// User and Password log in; for 163/126/QQ the password is the
	// mailbox's authorization code (授权码).
	User, Password     string
	InsecureSkipVerify bool
}

// Addr is host:port.
func (m IMAP) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// imapConnectTimeout bounds the TCP connection and an implicit TLS
// handshake; go-imap bounds every response (30 s) and literal (5 min)
// itself.
const imapConnectTimeout = 30 * time.Second

// sentNames are the folders taken for the Sent folder, in this order, when
// none carries the \Sent special-use attribute: the usual English names
// (QQ mail's is "Sent Messages", Outlook's "Sent Items") and 163/126's
// 已发送. Each is also looked for under INBOX (INBOX.Sent).
var sentNames = []string{"Sent", "Sent Messages", "Sent Items", "已发送"}

// createName is the folder created when there is no Sent folder at all,
// under the personal namespace's prefix.
const createName = "Sent"

// SaveSent files raw, a message already sent with Send, in the mailbox's
// Sent folder, flagged \Seen. The folder is the one with the \Sent
// special-use attribute (RFC 6154), else the first of "Sent", "Sent
// Messages", "Sent Items" and "已发送" that exists; when there is none,
// "Sent" is created (with the \Sent attribute when the server has
// CREATE-SPECIAL-USE) and subscribed.
//
// SaveSent is idempotent: when the folder already holds a message with
// this Message-ID (as InSent finds it), nothing is appended. messageID is
// the message's Message-ID, with or without angle brackets; raw's own
// Message-ID header, when it has one, must be the same.
//
// It uses one connection, logged in (and identified with IMAP ID, which
// 163.com requires) for this call only.
func SaveSent(ctx context.Context, cfg IMAP, raw []byte, messageID string) (err error) {
	defer func() {
		if err != nil {
			err = classifyIMAP(ctx, cfg.Addr(), err)
		}
	}()
	id, err := normalizeID(messageID)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return configError{errors.New("empty message")}
	}
	raw = crlf(raw)
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		return configError{fmt.Errorf("the message's header does not parse: %w", err)}
	}
	if own := hdr.Get("Message-Id"); own != "" {
		if n, _ := normalizeID(own); n != id {
			return configError{fmt.Errorf("the message's Message-ID is %s, not %s", own, id)}
		}
	}
	date, derr := mail.ParseDate(hdr.Get("Date"))
	if derr != nil {
		date = time.Now()
	}

	c, done, err := openIMAP(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	folder, err := findSent(c)
	if err != nil {
		return err
	}
	if folder == "" {
		if folder, err = createSent(c); err != nil {
			return err
		}
	} else {
		found, err := searchID(c, folder, id)
		if err != nil {
			return err
		}
		if found {
			return nil
		}
	}
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: date})
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return fmt.Errorf("APPEND to %s: %w", folder, err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("APPEND to %s: %w", folder, err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("APPEND to %s: %w", folder, err)
	}
	return nil
}

// InSent reports whether the mailbox's Sent folder (found as SaveSent
// finds it; never created) holds a message with this Message-ID, by UID
// SEARCH HEADER Message-ID. A server that refuses the search has the
// Message-IDs of the folder's envelopes compared instead. One connection,
// for this call only.
func InSent(ctx context.Context, cfg IMAP, messageID string) (found bool, err error) {
	defer func() {
		if err != nil {
			err = classifyIMAP(ctx, cfg.Addr(), err)
		}
	}()
	id, err := normalizeID(messageID)
	if err != nil {
		return false, err
	}
	c, done, err := openIMAP(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer done()
	folder, err := findSent(c)
	if err != nil || folder == "" {
		return false, err
	}
	return searchID(c, folder, id)
}

// openIMAP connects, logs in and identifies; done logs out and closes.
func openIMAP(ctx context.Context, cfg IMAP) (c *imapclient.Client, done func(), err error) {
	if cfg.Host == "" {
		return nil, nil, configError{errors.New("no IMAP host")}
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, nil, configError{fmt.Errorf("bad IMAP port %d", cfg.Port)}
	}
	if err := checkTLSMode(cfg.TLS, cfg.Host); err != nil {
		return nil, nil, err
	}
	d, err := dialTCP(ctx, cfg.Addr(), cfg.Host, cfg.TLS, cfg.InsecureSkipVerify, imapConnectTimeout)
	if err != nil {
		return nil, nil, step{"connect", err}
	}
	// From here on go-imap sets the deadlines.
	d.tc.timeout.Store(0)
	opts := &imapclient.Options{TLSConfig: tlsConfig(cfg.Host, cfg.InsecureSkipVerify)}
	if cfg.TLS == TLSStartTLS {
		c, err = imapclient.NewStartTLS(d.tc, opts)
		if err != nil {
			d.Close()
			return nil, nil, step{"STARTTLS", err}
		}
	} else {
		c = imapclient.New(d.net(), opts)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	done = func() {
		stop()
		_ = c.Logout().Wait()
		c.Close()
	}
	if err := c.WaitGreeting(); err != nil {
		done()
		return nil, nil, step{"greeting", err}
	}
	if err := c.Login(cfg.User, cfg.Password).Wait(); err != nil {
		done()
		return nil, nil, step{"LOGIN as " + cfg.User, err}
	}
	// QUIRK: 163.com and 126.com refuse SELECT ("Unsafe Login") from a
	// client that has not identified itself with ID (RFC 2971), as the
	// poller notes. Servers without ID answer BAD or NO, which is harmless.
	_, _ = c.ID(&imap.IDData{Name: "shoubao", Version: "1", Vendor: "shoubao", SupportURL: "https://github.com/shoubao/shoubao"}).Wait()
	return c, done, nil
}

// findSent returns the Sent folder's name, or "" when there is none.
func findSent(c *imapclient.Client) (string, error) {
	caps := c.Caps()
	var opts *imap.ListOptions
	if caps.Has(imap.CapSpecialUse) && (caps.Has(imap.CapListExtended) || caps.Has(imap.CapIMAP4rev2)) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil && opts != nil {
		// Without RETURN (SPECIAL-USE): servers that know the attribute
		// also put it in a plain LIST.
		list, err = c.List("", "*", nil).Collect()
	}
	if err != nil {
		return "", fmt.Errorf("LIST: %w", err)
	}
	return pickSent(list), nil
}

// pickSent chooses the Sent folder among the listed ones.
func pickSent(list []*imap.ListData) string {
	selectable := list[:0:0]
	for _, m := range list {
		if !hasAttr(m.Attrs, imap.MailboxAttrNoSelect) && !hasAttr(m.Attrs, imap.MailboxAttrNonExistent) {
			selectable = append(selectable, m)
		}
	}
	for _, m := range selectable {
		if hasAttr(m.Attrs, imap.MailboxAttrSent) {
			return m.Mailbox
		}
	}
	for _, name := range sentNames {
		for _, m := range selectable {
			if strings.EqualFold(m.Mailbox, name) {
				return m.Mailbox
			}
		}
	}
	for _, name := range sentNames {
		for _, m := range selectable {
			if m.Delim != 0 && strings.EqualFold(m.Mailbox, "INBOX"+string(m.Delim)+name) {
				return m.Mailbox
			}
		}
	}
	return ""
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

// createSent creates the Sent folder and returns its name.
func createSent(c *imapclient.Client) (string, error) {
	caps := c.Caps()
	name := createName
	if caps.Has(imap.CapNamespace) {
		if ns, err := c.Namespace().Wait(); err == nil && len(ns.Personal) > 0 {
			name = ns.Personal[0].Prefix + createName
		}
	}
	var err error
	if caps.Has(imap.CapCreateSpecialUse) {
		err = c.Create(name, &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrSent}}).Wait()
		if err != nil && !isCode(err, imap.ResponseCodeAlreadyExists) {
			// A server may refuse the attribute ([USEATTR]): a plain
			// folder is as good.
			err = c.Create(name, nil).Wait()
		}
	} else {
		err = c.Create(name, nil).Wait()
	}
	if err != nil && !isCode(err, imap.ResponseCodeAlreadyExists) {
		// Another process may have created one meanwhile.
		if found, lerr := findSent(c); lerr == nil && found != "" {
			return found, nil
		}
		return "", fmt.Errorf("CREATE %s: %w", name, err)
	}
	// Webmail and many clients show subscribed folders only.
	_ = c.Subscribe(name).Wait()
	return name, nil
}

func isCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}

// searchID reports whether folder holds a message whose Message-ID is id
// (with its angle brackets).
func searchID(c *imapclient.Client, folder, id string) (bool, error) {
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return false, fmt.Errorf("EXAMINE %s: %w", folder, err)
	}
	if sel.NumMessages == 0 {
		return false, nil
	}
	// HEADER search is a substring match; with its brackets, an id is
	// found only in a Message-ID that is the same.
	data, err := c.UIDSearch(&imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: id}},
	}, nil).Wait()
	if err == nil {
		return len(data.AllUIDs()) > 0, nil
	}
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false, fmt.Errorf("UID SEARCH HEADER Message-ID in %s: %w", folder, err)
	}
	// The server refused the search: compare the envelopes.
	msgs, ferr := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true}).Collect()
	if ferr != nil {
		return false, fmt.Errorf("UID SEARCH HEADER Message-ID in %s: %w; FETCH ENVELOPE: %w", folder, err, ferr)
	}
	bare := strings.Trim(id, "<>")
	for _, m := range msgs {
		if m.Envelope != nil && m.Envelope.MessageID == bare {
			return true, nil
		}
	}
	return false, nil
}

// normalizeID returns a Message-ID in angle brackets.
func normalizeID(s string) (string, error) {
	bare := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
	if bare == "" || strings.ContainsAny(bare, "<> \t\r\n\"") {
		return "", configError{fmt.Errorf("bad Message-ID %q", s)}
	}
	return "<" + bare + ">", nil
}

// crlf turns bare LF line ends into CRLF, as IMAP wants a message.
func crlf(raw []byte) []byte {
	bare := false
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/32)
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// imapTemporary are the response codes (RFC 5530) of failures that may
// pass.
var imapTemporary = map[imap.ResponseCode]bool{
	imap.ResponseCodeUnavailable: true,
	imap.ResponseCodeInUse:       true,
	imap.ResponseCodeServerBug:   true,
	imap.ResponseCodeLimit:       true,
}

// classifyIMAP wraps err with ErrTemporary or ErrPermanent and the
// server's address. A NO or BAD reply is permanent unless its code says
// otherwise; a failure to reach the server, or a connection that drops,
// is temporary.
func classifyIMAP(ctx context.Context, addr string, err error) error {
	kind := ErrTemporary
	var (
		ie *imap.Error
		ce configError
	)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("imap %s: %w (%w: %w)", addr, err, kind, context.Cause(ctx))
	case errors.As(err, &ie):
		if ie.Type != imap.StatusResponseTypeBye && !imapTemporary[ie.Code] {
			kind = ErrPermanent
		}
	case errors.As(err, &ce), permanentTLS(err):
		kind = ErrPermanent
	}
	return fmt.Errorf("imap %s: %w (%w)", addr, err, kind)
}
