package worker

import (
	"context"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// attempt is the record of an event's attempts as one delivery sees it.
type attempt struct {
	bus.Attempt
	// cutShort counts the earlier deliveries that never ended.
	cutShort int
}

// beginAttempt prepares the event's record before its delivery-th
// delivery (from 1) is handled. A first delivery is neither looked up nor
// recorded (began is false): only its failure is (endAttempt). Any later
// one reads the record and is begun on the bus before reading, so that a
// crash while reading it is known, with the file, at the next delivery.
//
// The deliveries cut short are those that neither ended (Ended) nor
// succeeded (a success is never delivered again), or, counted the other
// way, the attempts begun and never ended (Unfinished); the larger count
// is taken, so that neither a lost record nor a delivery that never began
// hides a crash.
func (w *Worker) beginAttempt(ctx context.Context, eventID string, delivery int) (att attempt, began bool, err error) {
	if delivery <= 1 {
		return attempt{Attempt: bus.Attempt{Event: eventID}}, false, nil
	}
	if att.Attempt, err = w.bus.BeginAttempt(ctx, eventID); err != nil {
		return attempt{}, false, err
	}
	// Unfinished counts this attempt too.
	att.cutShort = max(att.Unfinished-1, delivery-1-att.Ended, 0)
	return att, true, nil
}

// endAttempt records how an attempt ended: the record goes when the
// message was stored (or found stored); a failure is counted, so that the
// next delivery does not take it for a crash. A try put off because the
// store or the bus was unavailable is no attempt: the delivery goes on.
func (w *Worker) endAttempt(ctx context.Context, att attempt, began bool, herr error) {
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rec := att.Attempt
	if began {
		rec.Unfinished = max(rec.Unfinished-1, 0)
	}
	var err error
	switch {
	case herr == nil && began:
		err = w.bus.EndAttempt(ectx, att.Event)
	case herr == nil:
	case Unavailable(herr) && ctx.Err() == nil:
		if began {
			err = w.bus.SaveAttempt(ectx, rec)
		}
	default:
		rec.Ended++
		err = w.bus.SaveAttempt(ectx, rec)
	}
	if err != nil {
		w.log.Warn("worker: cannot record how the attempt ended", "event", att.Event, "err", err)
	}
}
