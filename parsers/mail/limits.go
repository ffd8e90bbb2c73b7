package mail

// Limits bound what Walk reads from one message. A zero field takes its
// default.
type Limits struct {
	// MaxMessageBytes is the most raw bytes parsed; the rest is not read.
	// Default 256 MiB.
	MaxMessageBytes int64
	// MaxHeaderBytes bounds one header block (of the message, of a part, of
	// a forwarded message). Default 256 KiB.
	MaxHeaderBytes int64
	// MaxFieldBytes bounds one unfolded header field; longer fields are
	// ignored. Default 64 KiB.
	MaxFieldBytes int
	// MaxParts bounds the MIME entities (parts, multiparts, forwarded
	// messages) walked in the whole message. Default 500.
	MaxParts int
	// MaxDepth bounds the nesting of multiparts and forwarded messages.
	// Default 20.
	MaxDepth int
	// MaxTextBytes bounds the body text (plain and HTML, each) kept per
	// message for classification and link extraction. Default 1 MiB.
	MaxTextBytes int
}

// Default limits.
const (
	DefaultMaxMessageBytes = 256 << 20
	DefaultMaxHeaderBytes  = 256 << 10
	DefaultMaxFieldBytes   = 64 << 10
	DefaultMaxParts        = 500
	DefaultMaxDepth        = 20
	DefaultMaxTextBytes    = 1 << 20
)

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	return l
}
