package sinks

import "time"

// Decision is an officer's decision about a campaign: assign a message to
// a unit, mark a message as not a submission, accept a problem, grant a
// unit an extension, add a sender address to a unit. Decisions are never
// changed or deleted: a later decision of the same kind overrides an
// earlier one when the rules read them (pipeline/rules).
type Decision struct {
	ID         int64
	CampaignID string
	// Kind is assign, not_submission, accept_problem, extension,
	// add_sender, add_unit, rename_unit, drop_unit or set_contact.
	Kind string
	// Message is the key of the message it concerns (its Message-ID, or
	// sha256:<hex> of its raw bytes).
	Message string
	Unit    string
	// Code and File name the problem accepted.
	Code string
	File string
	// Address is a sender address added to Unit.
	Address string
	// NewName is a unit's new name (rename_unit); Contact and Phone its
	// contact person (add_unit, set_contact).
	NewName, Contact, Phone string
	// Until is a unit's new deadline: the first late instant.
	Until time.Time
	// By is who decided (a user name), Reason why, At when.
	By     string
	Reason string
	At     time.Time
}
