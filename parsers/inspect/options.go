package inspect

import (
	"time"

	"github.com/shoubao/shoubao/parsers/mail"
)

// Options configure Message and File. The zero value works: temp files go
// to os.TempDir(), nothing is stored, default limits apply.
type Options struct {
	// TempDir holds the scratch files parts are spooled to ("" = os.TempDir()).
	// It must exist: Message and File fail at once when it does not, even
	// when every part is small enough to be held in memory.
	TempDir string
	// MemPartBytes: a part (attachment, archive member) of at most this
	// many bytes is held in memory instead of a scratch file in TempDir
	// (0 = DefaultMemPartBytes; negative = every part goes to TempDir).
	MemPartBytes int64
	// MemBytes bounds the bytes of the parts of one input held in memory
	// at once, counted by buffer capacity (0 = DefaultMemBytes): a part
	// that does not fit in what is left goes to TempDir. The last part
	// held may overshoot by its buffer's spare capacity, so peak memory
	// grows by at most about MemBytes + MemPartBytes per concurrent
	// Message or File call.
	MemBytes int64
	// Limits bound the work done on one input.
	Limits Limits
	// Files, when set, receives every file's bytes.
	Files FileSink
	// FFprobe is the ffprobe binary the video parser falls back to for
	// containers it cannot read itself ("" = never).
	FFprobe string
	// VideoLimitSeconds is the longest acceptable video (0 = no check).
	VideoLimitSeconds int
	// DownloadLinks enables downloading large-attachment links found in
	// bodies (off by default), bounded by Limits.MaxDownloadBytes and
	// Limits.DownloadTimeout.
	DownloadLinks bool
	// Progress, when set, is called with a file's name before its content
	// is read (kind detection, archives, tables, videos). The worker records
	// it, so that a file whose reading kills the process can be named.
	Progress func(name string)
}

// Defaults of Options.MemPartBytes and Options.MemBytes.
const (
	DefaultMemPartBytes = 1 << 20
	DefaultMemBytes     = 4 << 20
)

// memBudget returns the per-part and per-input bytes held in memory.
func (o Options) memBudget() (part, total int64) {
	part, total = o.MemPartBytes, o.MemBytes
	setDefault(&part, DefaultMemPartBytes)
	setDefault(&total, DefaultMemBytes)
	if o.MemPartBytes < 0 {
		part = 0
	}
	return part, total
}

// Limits bound the work done on one input. Zero fields take the defaults.
type Limits struct {
	// MaxMessageBytes: raw bytes of a message parsed (default 256 MiB).
	MaxMessageBytes int64
	// MaxHeaderBytes: one header block (default 256 KiB).
	MaxHeaderBytes int64
	// MaxFieldBytes: one unfolded header field (default 64 KiB).
	MaxFieldBytes int
	// MaxParts: MIME entities in one message (default 500).
	MaxParts int
	// MaxDepth: nesting of multiparts, forwarded messages and archives
	// together (default 20).
	MaxDepth int
	// MaxArchiveDepth: archives inside archives (default 3).
	MaxArchiveDepth int
	// MaxArchiveBytes: bytes expanded from all archives of one input
	// (default 2 GiB).
	MaxArchiveBytes int64
	// MaxArchiveRatio: expanded/compressed size above which an archive is
	// a bomb, once more than 16 MiB are expanded (default 100).
	MaxArchiveRatio int
	// MaxArchiveMembers: members listed from all archives of one input
	// (default 2000).
	MaxArchiveMembers int
	// MaxFiles: files (parts and members) inspected in one input
	// (default 2000).
	MaxFiles int
	// MaxDownloadBytes: one downloaded link (default 2 GiB).
	MaxDownloadBytes int64
	// DownloadTimeout: one downloaded link (default 10 minutes).
	DownloadTimeout time.Duration
	// Timeout: the whole inspection of one input (default 10 minutes).
	Timeout time.Duration
}

// Defaults of Limits not inherited from parsers/mail.
const (
	DefaultMaxDepth          = 20
	DefaultMaxArchiveDepth   = 3
	DefaultMaxArchiveBytes   = 2 << 30
	DefaultMaxArchiveRatio   = 100
	DefaultMaxArchiveMembers = 2000
	DefaultMaxFiles          = 2000
	DefaultMaxDownloadBytes  = 2 << 30
	DefaultDownloadTimeout   = 10 * time.Minute
	DefaultTimeout           = 10 * time.Minute
)

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	m := mail.Limits{MaxMessageBytes: l.MaxMessageBytes, MaxHeaderBytes: l.MaxHeaderBytes,
		MaxFieldBytes: l.MaxFieldBytes, MaxParts: l.MaxParts}.WithDefaults()
	l.MaxMessageBytes, l.MaxHeaderBytes, l.MaxFieldBytes, l.MaxParts =
		m.MaxMessageBytes, m.MaxHeaderBytes, m.MaxFieldBytes, m.MaxParts
	setDefault(&l.MaxDepth, DefaultMaxDepth)
	setDefault(&l.MaxArchiveDepth, DefaultMaxArchiveDepth)
	setDefault(&l.MaxArchiveBytes, DefaultMaxArchiveBytes)
	setDefault(&l.MaxArchiveRatio, DefaultMaxArchiveRatio)
	setDefault(&l.MaxArchiveMembers, DefaultMaxArchiveMembers)
	setDefault(&l.MaxFiles, DefaultMaxFiles)
	setDefault(&l.MaxDownloadBytes, DefaultMaxDownloadBytes)
	setDefault(&l.DownloadTimeout, DefaultDownloadTimeout)
	setDefault(&l.Timeout, DefaultTimeout)
	return l
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// mailLimits are the walker's limits for a message found at depth.
func (l Limits) mailLimits(depth int) mail.Limits {
	return mail.Limits{
		MaxMessageBytes: l.MaxMessageBytes,
		MaxHeaderBytes:  l.MaxHeaderBytes,
		MaxFieldBytes:   l.MaxFieldBytes,
		MaxParts:        l.MaxParts,
		MaxDepth:        max(l.MaxDepth-depth, 1),
	}
}
