package service

import (
	"context"
	"fmt"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/sender"
)

// mailboxTransport sends from the contact mailboxes' own SMTP servers. It
// is nil when no campaign sends receipts; a campaign in send mode needs it.
func mailboxTransport(cfg *config.Config) (sender.Transport, error) {
	for _, c := range cfg.Campaign {
		if c.Receipts.Mode == config.ReceiptsSend {
			return nil, fmt.Errorf("campaign %s: receipts.mode send is not available in this build", c.ID)
		}
	}
	return noTransport{}, nil
}

// noTransport refuses to send: no campaign sends mail.
type noTransport struct{}

func (noTransport) Send(context.Context, string, []string, []byte) error {
	return fmt.Errorf("no campaign sends mail: %w", sender.ErrPermanent)
}
func (noTransport) SavesSent(string) bool                                  { return false }
func (noTransport) SaveSent(context.Context, string, []byte, string) error { return nil }
func (noTransport) InSent(context.Context, string, string) (bool, error)   { return false, nil }
