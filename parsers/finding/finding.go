// Package finding holds the one type every parser uses to report what it
// noticed about its input: a stable machine-readable code and a message for
// people.
//
// Parsers never fail on bad input; they return what they could read plus
// findings. Codes are lower_snake_case, stable across releases and documented
// in the README; messages are Chinese, because officers read them.
package finding

import "fmt"

// Finding is one observation about an input: a problem, a limit that was hit,
// or a notice for the officer.
type Finding struct {
	// Code is a stable identifier such as "zip_bomb" or "video_too_long".
	Code string `json:"code"`
	// Message explains the finding to a person, in Chinese.
	Message string `json:"message"`
}

// New returns a Finding with a formatted message.
func New(code, format string, args ...any) Finding {
	return Finding{Code: code, Message: fmt.Sprintf(format, args...)}
}

// String returns "code: message".
func (f Finding) String() string { return f.Code + ": " + f.Message }

// List is an ordered collection of findings with convenience methods.
type List []Finding

// Add appends a finding built like New.
func (l *List) Add(code, format string, args ...any) {
	*l = append(*l, New(code, format, args...))
}

// Has reports whether the list holds a finding with the given code.
func (l List) Has(code string) bool {
	for _, f := range l {
		if f.Code == code {
			return true
		}
	}
	return false
}
