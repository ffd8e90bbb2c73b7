package poller

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// postProcess runs the configured action (flag \Seen, add a keyword, move
// to a folder) on messages the store already holds. A stored message still
// located in an older UIDVALIDITY epoch was not found again by the rescan
// that followed the reset (sync relocates those it finds): it is no longer
// in the folder, and is marked done without an action.
func (s *session) postProcess(ctx context.Context) error {
	p := s.p
	if p.opts.PostProcess == ActionNone {
		return nil
	}
	for {
		items, err := p.store.PendingPostProcess(ctx, p.mb.ID, 200)
		if err != nil {
			return fmt.Errorf("post-process: %w", err)
		}
		if len(items) == 0 {
			return nil
		}
		var uids imap.UIDSet
		var ids []int64
		for _, it := range items {
			ids = append(ids, it.MessageID)
			if it.UIDValidity == s.uidVal {
				uids.AddNum(imap.UID(it.UID))
			}
		}
		if len(uids) > 0 {
			if err := s.apply(uids); err != nil {
				return fmt.Errorf("post-process %s: %w", p.opts.PostProcess, err)
			}
		}
		if err := p.store.MarkPostProcessed(ctx, ids); err != nil {
			return fmt.Errorf("post-process: %w", err)
		}
		p.log.Info("post-processed", "action", p.opts.PostProcess, "messages", len(ids))
	}
}

func (s *session) apply(uids imap.UIDSet) error {
	switch s.p.opts.PostProcess {
	case ActionSeen, ActionKeyword:
		flag := imap.FlagSeen
		if s.p.opts.PostProcess == ActionKeyword {
			flag = imap.Flag(s.p.opts.Keyword)
		}
		return s.c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag}}, nil).Close()
	case ActionMove:
		// Move falls back to COPY + STORE \Deleted + EXPUNGE on servers
		// without MOVE.
		_, err := s.c.Move(uids, s.p.opts.MoveTo).Wait()
		return err
	}
	return fmt.Errorf("unknown action %q", s.p.opts.PostProcess)
}
