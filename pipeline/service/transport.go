package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/sinks/mailout"
)

// mailboxes sends from the contact mailboxes' own SMTP servers and files
// the mail in their Sent folders (sinks/mailout).
type mailboxes struct {
	boxes map[string]box
	// unusable says why a mailbox cannot send (no secret, no server).
	unusable map[string]error
	log      *slog.Logger
}

type box struct {
	address  string
	smtp     mailout.SMTP
	imap     mailout.IMAP
	saveSent bool
}

var _ sender.Transport = (*mailboxes)(nil)

// MailboxTransport is the transport `run` uses: each contact mailbox's own
// SMTP server and Sent folder. Benchmarks wrap it (WithTransport).
func MailboxTransport(cfg *config.Config, log *slog.Logger) (sender.Transport, error) {
	return mailboxTransport(cfg, log)
}

// mailboxTransport resolves how each contact mailbox of a campaign that
// sends receipts sends mail: its smtp section, else its provider's server
// (163, 126, QQ…), else the top-level smtp section; the password is the
// mailbox's own (its IMAP 授权码) unless its smtp section names another.
func mailboxTransport(cfg *config.Config, log *slog.Logger) (*mailboxes, error) {
	t := &mailboxes{boxes: map[string]box{}, unusable: map[string]error{}, log: log}
	for _, c := range cfg.Campaign {
		sends := c.Receipts.Mode == config.ReceiptsSend || c.Reminders.Mode == config.ReceiptsSend || c.Digest.Mode == config.ReceiptsSend
		for _, mb := range c.Mailboxes {
			id := config.MailboxID(c.ID, mb.Address)
			b, err := resolveBox(cfg, mb)
			if err != nil {
				if sends {
					return nil, fmt.Errorf("campaign %s sends mail: mailbox %s: %w", c.ID, mb.Address, err)
				}
				t.unusable[id] = err
				continue
			}
			t.boxes[id] = b
		}
	}
	return t, nil
}

func resolveBox(cfg *config.Config, mb config.Mailbox) (box, error) {
	imapPW, err := mb.IMAP.Secret.Resolve()
	if err != nil {
		return box{}, err
	}
	b := box{address: mb.Address, saveSent: mb.SavesSent(), imap: mailout.IMAP{Host: mb.IMAP.Host, Port: mb.IMAP.Port,
		TLS: mb.IMAP.TLS, User: mb.IMAP.User, Password: imapPW, InsecureSkipVerify: mb.IMAP.InsecureSkipVerify}}
	s, known := mailout.DefaultSMTP(mb.Address)
	switch {
	case mb.SMTP.Host != "":
		s = mailout.SMTP{Host: mb.SMTP.Host, Port: mb.SMTP.Port, TLS: mb.SMTP.TLS, User: mb.Address}
	case known:
	case cfg.SMTP.Host != "":
		s = mailout.SMTP{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, TLS: cfg.SMTP.TLS, User: cfg.SMTP.User}
	default:
		return box{}, errors.New("no SMTP server: give smtp.host for this mailbox (its provider is not one shoubao knows)")
	}
	if mb.SMTP.TLS != "" {
		s.TLS = mb.SMTP.TLS
	}
	if s.TLS == "" {
		s.TLS = mailout.TLSImplicit
	}
	if mb.SMTP.Port != 0 {
		s.Port = mb.SMTP.Port
	}
	if s.Port == 0 {
		s.Port = map[string]int{mailout.TLSImplicit: 465, mailout.TLSStartTLS: 587}[s.TLS]
		if s.Port == 0 {
			s.Port = 25
		}
	}
	if mb.SMTP.User != "" {
		s.User = mb.SMTP.User
	}
	switch {
	case mb.SMTP.Secret.PasswordEnv != "" || mb.SMTP.Secret.PasswordFile != "":
		if s.Password, err = mb.SMTP.Secret.Resolve(); err != nil {
			return box{}, fmt.Errorf("smtp: %w", err)
		}
	case mb.SMTP.Host == "" && !known && cfg.SMTP.Host != "":
		if s.Password, err = cfg.SMTP.Secret.Resolve(); err != nil {
			return box{}, fmt.Errorf("smtp: %w", err)
		}
	default:
		s.Password = imapPW
	}
	if mb.SMTP.NoLogin {
		s.User, s.Password = "", ""
	}
	s.InsecureSkipVerify = mb.IMAP.InsecureSkipVerify
	b.smtp = s
	return b, nil
}

func (t *mailboxes) get(mailboxID string) (box, error) {
	b, ok := t.boxes[mailboxID]
	if !ok {
		if err := t.unusable[mailboxID]; err != nil {
			return box{}, fmt.Errorf("mailbox %s cannot send mail: %w: %w", mailboxID, err, sender.ErrPermanent)
		}
		return box{}, fmt.Errorf("mailbox %s sends no mail in this configuration: %w", mailboxID, sender.ErrPermanent)
	}
	return b, nil
}

// Send sends raw from the mailbox; a refusal for good wraps
// sender.ErrPermanent.
func (t *mailboxes) Send(ctx context.Context, mailboxID string, to []string, raw []byte) error {
	b, err := t.get(mailboxID)
	if err != nil {
		return err
	}
	if err := mailout.Send(ctx, b.smtp, b.address, to, raw); err != nil {
		if errors.Is(err, mailout.ErrPermanent) {
			return fmt.Errorf("%w: %w", sender.ErrPermanent, err)
		}
		return err
	}
	return nil
}

// SavesSent reports whether the mailbox files what it sends.
func (t *mailboxes) SavesSent(mailboxID string) bool { return t.boxes[mailboxID].saveSent }

// SaveSent files raw in the mailbox's Sent folder.
func (t *mailboxes) SaveSent(ctx context.Context, mailboxID string, raw []byte, messageID string) error {
	b, err := t.get(mailboxID)
	if err != nil {
		return err
	}
	return mailout.SaveSent(ctx, b.imap, raw, messageID)
}

// InSent looks for a message in the mailbox's Sent folder.
func (t *mailboxes) InSent(ctx context.Context, mailboxID, messageID string) (bool, error) {
	b, err := t.get(mailboxID)
	if err != nil {
		return false, err
	}
	return mailout.InSent(ctx, b.imap, messageID)
}
